//! `/emr cost [7d|30d|month]` and the bill in the weekly savings report:
//! every cluster that ran in a period of whole UTC days, priced from its
//! instance records like `status` prices it (clipped to the period), beside
//! what Cost Explorer billed its allocation tag, and totalled by who
//! launched it (the audit's launch entry).

use crate::error::CommandError;
use crate::Worker;
use chrono::Duration;
use emrbot_domain::billing::{reconcile, CostWindow, Period, Reckoned};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::ports::billing::BillingError;
use emrbot_domain::price_book::{merge, Sources};
use emrbot_domain::usage::InstanceRecord;
use emrbot_shared::slack::render::{self, BillStatus, CostReport};
use emrbot_shared::slack::SlackMessage;
use std::collections::{BTreeMap, HashMap};

/// How far before a period a cluster may have been created and still run
/// in it: EMR lists ended clusters for two months.
const LONGEST_RUN: Duration = Duration::days(30);

impl Worker {
    pub(crate) async fn cost(&self, window: CostWindow) -> Result<SlackMessage, CommandError> {
        let period = window.period(self.clock.now().date_naive());
        let report = self.cost_report(period).await?;
        Ok(render::cost_report(
            &report,
            &self.config.costs.allocation_tag,
        ))
    }

    /// The clusters of `period` reckoned, beside the bill where enabled.
    pub(crate) async fn cost_report(&self, period: Period) -> Result<CostReport, CommandError> {
        let ran = self.clusters_that_ran(period).await?;
        let refs: Vec<&ClusterSummary> = ran.iter().collect();
        let (described, records, launchers) = tokio::join!(
            self.describe_each(ran.iter()),
            self.instance_records(&refs),
            self.launchers(&ran)
        );
        let within: HashMap<ClusterId, Vec<InstanceRecord>> = ran
            .iter()
            .filter_map(|c| Some((c.id.clone(), clipped(c, records.get(&c.id)?, period))))
            .collect();
        let details = described.iter().collect();
        let costs = self.costs(&refs, &details, &within).await;
        let tag = &self.config.costs.allocation_tag;
        let mut sources = Sources::new();
        let mut spot = false;
        let mut unread = Vec::new();
        let mut reckoned = Vec::new();
        for c in &ran {
            let Some(spent) = costs.spent.get(&c.id) else {
                unread.push(c.name.clone());
                continue;
            };
            merge(&mut sources, &spent.sources);
            spot |= spent.spot;
            reckoned.push(Reckoned {
                cluster: c.id.clone(),
                name: c.name.clone(),
                tag: described.get(&c.id).and_then(|d| d.tags.get(tag).cloned()),
                launcher: launchers.get(&c.id).cloned(),
                usd: spent.usd,
                unpriced: spent.unpriced.clone(),
            });
        }
        let (bill, status) = self.bill(tag, period).await;
        Ok(CostReport {
            reconciliation: reconcile(period, bill, &reckoned),
            bill: status,
            sources,
            spot,
            unread,
        })
    }

    /// What Cost Explorer billed, and what to say of it.
    async fn bill(
        &self,
        tag: &str,
        period: Period,
    ) -> (Option<emrbot_domain::billing::Bill>, BillStatus) {
        if !self.config.costs.cost_explorer {
            return (None, BillStatus::Off);
        }
        match self.billing.by_tag(tag, period).await {
            Ok(bill) => (Some(bill), BillStatus::Read),
            Err(error) => {
                tracing::warn!(error = %error, "the bill was not read");
                let status = match error {
                    BillingError::NotEnabled(_) => BillStatus::NotEnabled,
                    BillingError::Denied(_) => BillStatus::Denied,
                    BillingError::Unreachable(_) => BillStatus::Unreachable,
                };
                (None, status)
            }
        }
    }

    /// Every cluster of every account that ran some of `period`.
    async fn clusters_that_ran(&self, period: Period) -> Result<Vec<ClusterSummary>, CommandError> {
        let (start, end) = (period.starts_at(), period.ends_at());
        let (active, failed) = self.clusters.list_active_each().await;
        if let Some((_, error)) = failed.into_iter().next() {
            return Err(error.into());
        }
        let ended = self.clusters.list_ended(start - LONGEST_RUN).await?;
        let mut by_id: BTreeMap<ClusterId, ClusterSummary> = BTreeMap::new();
        for c in active.into_iter().chain(ended) {
            let began_before_end = c.created_at.is_some_and(|t| t < end);
            let ended_after_start = c.ended_at.is_none_or(|t| t > start);
            if began_before_end && ended_after_start {
                by_id.insert(c.id.clone(), c);
            }
        }
        Ok(by_id.into_values().collect())
    }

    /// Who launched each of `clusters` through emrbot: its first audit entry,
    /// when that is a launch that succeeded. Read concurrently; an entry that
    /// cannot be read leaves the cluster's launcher unknown.
    async fn launchers(&self, clusters: &[ClusterSummary]) -> HashMap<ClusterId, String> {
        let reads = clusters.iter().map(|c| async move {
            let first = self.audit.first(&c.id).await;
            (c.id.clone(), first)
        });
        let mut out = HashMap::new();
        for (id, first) in futures_util::future::join_all(reads).await {
            match first {
                Ok(Some(entry)) if entry.action == "launch" && entry.outcome == "ok" => {
                    out.insert(id, entry.who);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(cluster = %id, error = %e, "launcher not read"),
            }
        }
        out
    }
}

/// `records` within `period`; an instance EMR did not mark ended on a
/// cluster that ended, ended with it.
fn clipped(c: &ClusterSummary, records: &[InstanceRecord], period: Period) -> Vec<InstanceRecord> {
    records
        .iter()
        .filter_map(|r| {
            let ended = InstanceRecord {
                ended: r.ended.or(c.ended_at),
                ..r.clone()
            };
            ended.within(period.starts_at(), period.ends_at())
        })
        .collect()
}
