//! What the clusters a reply shows cost: the price book of their instance
//! types (per region), and what each one's instances cost over the hours
//! they ran, from EMR's instance records.

use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::{ClusterDetail, ClusterSummary};
use emrbot_domain::ports::descriptions::DESCRIPTION_TTL;
use emrbot_domain::price_book::{self, PriceBook, Rate, Spent, SpotAt, Wanted};
use emrbot_domain::spot::SpotBook;
use emrbot_domain::usage::{InstanceRecord, Market};
use std::collections::{BTreeMap, HashMap};

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

/// The figures of the clusters a reply shows, by cluster.
#[derive(Debug, Default)]
pub(crate) struct Costs {
    /// Per hour now, of those whose capacity was read.
    pub rates: HashMap<ClusterId, Rate>,
    /// So far, of those whose instance records were read.
    pub spent: HashMap<ClusterId, Spent>,
}

impl Worker {
    /// What `shown` cost, from their descriptions and instance records: one
    /// price book per region, one spot book for them all.
    pub(crate) async fn costs(
        &self,
        shown: &[&ClusterSummary],
        details: &HashMap<&ClusterId, &ClusterDetail>,
        records: &HashMap<ClusterId, Vec<InstanceRecord>>,
    ) -> Costs {
        let wanted = shown.iter().map(|c| {
            let listed = records.get(&c.id).map(|r| r.as_slice()).unwrap_or_default();
            (
                c.account.clone(),
                wanted(details.get(&c.id).copied(), listed),
            )
        });
        let books = self.price_books(wanted).await;
        let book_of = |c: &ClusterSummary| books.get(&self.region_of(c.account.as_deref()));
        let spot = self
            .spot_book(
                details
                    .iter()
                    .map(|(id, d)| (*d, records.get(*id).map(Vec::as_slice))),
            )
            .await;
        let mut costs = Costs::default();
        for c in shown {
            let detail = details.get(&c.id).copied();
            if let Some(d) = detail {
                costs
                    .rates
                    .insert(c.id.clone(), self.rate(book_of(c), &spot, d));
            }
            if let Some(r) = records.get(&c.id) {
                costs
                    .spent
                    .insert(c.id.clone(), self.spent(book_of(c), &spot, detail, r));
            }
        }
        costs
    }

    /// The region `account`'s clusters run in: the account's own, or this
    /// Lambda's.
    pub(crate) fn region_of(&self, account: Option<&str>) -> String {
        account
            .and_then(|a| self.config.accounts.get(a))
            .and_then(|a| a.region.clone())
            .unwrap_or_else(|| self.region.clone())
    }

    /// Quotes for what each account's clusters run, per region.
    pub(crate) async fn price_books(
        &self,
        wanted: impl IntoIterator<Item = (Option<String>, Wanted)>,
    ) -> PriceBooks {
        let mut types: HashMap<String, Wanted> = HashMap::new();
        for (account, w) in wanted {
            let all = types.entry(self.region_of(account.as_deref())).or_default();
            all.instances.extend(w.instances);
            all.volumes.extend(w.volumes);
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

    /// Each cluster's instance records: kept ones younger than
    /// [`DESCRIPTION_TTL`] (an ended instance never changes; a running one
    /// costs up to now), the rest from ListInstances, concurrently, and
    /// kept. A cluster whose records cannot be read is left out (its figure
    /// says it is reckoned at its current size).
    pub(crate) async fn instance_records(
        &self,
        clusters: &[&ClusterSummary],
    ) -> HashMap<ClusterId, Vec<InstanceRecord>> {
        let now = self.clock.now();
        let ids: Vec<ClusterId> = clusters.iter().map(|c| c.id.clone()).collect();
        let mut out: HashMap<ClusterId, Vec<InstanceRecord>> = self
            .descriptions
            .get_records_many(&ids)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "kept instance records not read"))
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, (_, read_at))| now - *read_at < DESCRIPTION_TTL)
            .map(|(id, (records, _))| (id, records))
            .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for c in clusters.iter().filter(|c| !out.contains_key(&c.id)) {
            if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let id = c.id.clone();
                tasks.spawn(async move {
                    let records = api.list_instances(&id).await;
                    (id, records)
                });
            }
        }
        while let Some(Ok((id, records))) = tasks.join_next().await {
            match records {
                Ok(records) => {
                    if let Err(e) = self.descriptions.put_records(&id, &records, now).await {
                        tracing::warn!(cluster = %id, error = %e, "instance records not kept; they will be read again");
                    }
                    out.insert(id, records);
                }
                Err(error) => {
                    tracing::warn!(cluster = %id, error = %error, "instance records not read")
                }
            }
        }
        out
    }

    /// The spot price histories of each cluster's spot capacity: from when
    /// its first spot instance started (or now, for the rate alone) to now,
    /// one query per (zone, type). A history that cannot be read leaves those
    /// hours at on-demand (an upper bound, said).
    pub(crate) async fn spot_book<'a>(
        &self,
        clusters: impl IntoIterator<Item = (&'a ClusterDetail, Option<&'a [InstanceRecord]>)>,
    ) -> SpotBook {
        let now = self.clock.now();
        let mut wanted: BTreeMap<(String, String, String), DateTime<Utc>> = BTreeMap::new();
        for (detail, records) in clusters {
            let Some(zone) = &detail.availability_zone else {
                continue;
            };
            let region = self.region_of(detail.summary.account.as_deref());
            let spot_records = records
                .into_iter()
                .flatten()
                .filter(|r| r.market == Some(Market::Spot))
                .map(|r| (r.instance_type.clone(), r.started.unwrap_or(now)));
            let spot_groups = detail
                .groups
                .iter()
                .filter(|g| g.spot && g.running > 0)
                .map(|g| (price_book::first_type(&g.instance_type).to_string(), now));
            for (instance_type, from) in spot_records.chain(spot_groups) {
                let key = (region.clone(), zone.clone(), instance_type);
                let earliest = wanted.entry(key).or_insert(from);
                *earliest = (*earliest).min(from);
            }
        }
        let reads = wanted
            .into_iter()
            .map(|((region, zone, t), from)| async move {
                let history = self.spot.history(&region, &zone, &t, from, now).await;
                (zone, t, history)
            });
        let mut book = SpotBook::default();
        for (zone, t, history) in futures_util::future::join_all(reads).await {
            match history {
                Ok(points) => book.insert(&zone, &t, points),
                Err(error) => {
                    tracing::warn!(zone, instance_type = t, error = %error, "spot at on-demand prices")
                }
            }
        }
        book
    }

    /// What `records` cost up to now, at `book`'s prices and `spot`'s.
    fn spent(
        &self,
        book: &PriceBook,
        spot: &SpotBook,
        detail: Option<&ClusterDetail>,
        records: &[InstanceRecord],
    ) -> Spent {
        let zone = detail.and_then(|d| d.availability_zone.as_deref());
        let groups = detail.map(|d| d.groups.as_slice()).unwrap_or_default();
        book.spent(records, groups, self.clock.now(), zone.map(|z| (spot, z)))
    }

    /// The hourly rate of `detail`'s running capacity.
    fn rate(&self, book: &PriceBook, spot: &SpotBook, detail: &ClusterDetail) -> Rate {
        let at = detail.availability_zone.as_deref().map(|zone| SpotAt {
            book: spot,
            zone,
            now: self.clock.now(),
        });
        book.hourly(&detail.groups, at)
    }
}

/// What a cluster's figures need priced: its groups' instance and volume
/// types, and the types its instance records name.
pub(crate) fn wanted(detail: Option<&ClusterDetail>, records: &[InstanceRecord]) -> Wanted {
    let mut wanted = Wanted::default();
    wanted.add_groups(detail.iter().flat_map(|d| &d.groups));
    wanted
        .instances
        .extend(records.iter().map(|r| r.instance_type.clone()));
    wanted
}
