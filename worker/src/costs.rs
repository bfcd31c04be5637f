//! What the clusters a reply shows cost: the price book of their instance
//! types (per region), and what each one's instances cost over the hours
//! they ran, from EMR's instance records.

use crate::Worker;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::price_book::{self, PriceBook, Spent};
use emrbot_domain::usage::usage;
use std::collections::{BTreeSet, HashMap};

/// The price books of a reply, one per region its clusters run in.
#[derive(Debug, Default)]
pub(crate) struct PriceBooks {
    by_region: HashMap<String, PriceBook>,
}

impl PriceBooks {
    pub(crate) fn get(&self, region: &str) -> &PriceBook {
        static EMPTY: std::sync::OnceLock<PriceBook> = std::sync::OnceLock::new();
        self.by_region
            .get(region)
            .unwrap_or_else(|| EMPTY.get_or_init(PriceBook::default))
    }
}

impl Worker {
    /// The region `account`'s clusters run in: the account's own, or this
    /// Lambda's.
    pub(crate) fn region_of(&self, account: Option<&str>) -> String {
        account
            .and_then(|a| self.config.accounts.get(a))
            .and_then(|a| a.region.clone())
            .unwrap_or_else(|| self.region.clone())
    }

    /// Quotes for the `(account, instance type)`s wanted, per region.
    pub(crate) async fn price_books(
        &self,
        wanted: impl IntoIterator<Item = (Option<String>, String)>,
    ) -> PriceBooks {
        let mut types: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (account, instance_type) in wanted {
            types
                .entry(self.region_of(account.as_deref()))
                .or_default()
                .insert(instance_type);
        }
        let reads = types.into_iter().map(|(region, types)| async move {
            let book =
                price_book::read(self.prices.as_ref(), &self.config.prices, &region, types).await;
            (region, book)
        });
        PriceBooks {
            by_region: futures_util::future::join_all(reads)
                .await
                .into_iter()
                .collect(),
        }
    }

    /// Each cluster's instance records, read concurrently; a cluster whose
    /// records cannot be read is left out (its figure says it is reckoned
    /// at its current size).
    pub(crate) async fn instance_records(
        &self,
        clusters: &[&ClusterSummary],
    ) -> HashMap<ClusterId, Vec<emrbot_domain::usage::InstanceRecord>> {
        let mut tasks = tokio::task::JoinSet::new();
        for c in clusters {
            if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let id = c.id.clone();
                tasks.spawn(async move {
                    let records = api.list_instances(&id).await;
                    (id, records)
                });
            }
        }
        let mut out = HashMap::new();
        while let Some(Ok((id, records))) = tasks.join_next().await {
            match records {
                Ok(records) => {
                    out.insert(id, records);
                }
                Err(error) => {
                    tracing::warn!(cluster = %id, error = %error, "instance records not read")
                }
            }
        }
        out
    }

    /// What `records` cost up to now, at `book`'s prices.
    pub(crate) fn spent(
        &self,
        book: &PriceBook,
        records: &[emrbot_domain::usage::InstanceRecord],
    ) -> Spent {
        book.spent(&usage(records, self.clock.now()))
    }
}
