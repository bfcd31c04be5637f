//! The weekly savings report: the scheduler's records of the week, each
//! checked against EMR (a recorded termination counts only if EMR shows the
//! cluster ended then) and priced like `status` prices a cluster
//! (`emrbot_domain::savings`, docs/SAVINGS.md).

use crate::error::CommandError;
use crate::Worker;
use chrono::{DateTime, Duration, Utc};
use emrbot_domain::billing::Period;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::report::SavingsReport;
use emrbot_domain::savings::{tally, Savings};
use emrbot_shared::slack::render;
use emrbot_shared::slack::SlackMessage;
use std::collections::{BTreeSet, HashMap};

impl Worker {
    pub(crate) async fn savings(
        &self,
        report: &SavingsReport,
    ) -> Result<SlackMessage, CommandError> {
        let savings = self.checked(report).await?;
        // The bill of the report's whole UTC days, where Cost Explorer is on.
        let bill = if self.config.costs.cost_explorer {
            let period = Period {
                start: report.since.date_naive(),
                end: report.at.date_naive(),
            };
            // The bill is a section of the report: without it the savings
            // still go out.
            self.cost_report(period)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "savings report without the bill"))
                .ok()
        } else {
            None
        };
        let tag = self.config.costs.allocation_tag.as_str();
        Ok(render::savings(
            &savings,
            &self.config.policy,
            self.config.timezone,
            bill.as_ref().map(|b| (b, tag)),
        ))
    }

    /// The last 7 days' automatic terminations, checked and priced, for the
    /// Home tab; `None` (logged) when the records or EMR cannot be read now.
    pub(crate) async fn week_savings(&self, now: DateTime<Utc>) -> Option<Savings> {
        let since = now - Duration::days(7);
        // The scheduler's clock may run ahead of this one: no record is left out.
        let terminated = self
            .records
            .automatic_between(since, now + Duration::days(1))
            .await
            .map_err(|e| tracing::warn!(error = %e, "home: automatic terminations not read"))
            .ok()?;
        let report = SavingsReport {
            at: now,
            since,
            terminated,
            kept: Vec::new(),
        };
        self.checked(&report)
            .await
            .map_err(|e| tracing::warn!(error = %e, "home: savings not checked"))
            .ok()
    }

    /// `report`'s records checked against EMR and priced. A cluster EMR no
    /// longer knows, or whose account is gone from the config, is left out
    /// (the report says it could not tell); a transient failure retries the
    /// whole report.
    async fn checked(&self, report: &SavingsReport) -> Result<Savings, CommandError> {
        let described = self.describe_all(recorded_clusters(report)).await;
        let mut details = HashMap::new();
        let mut wanted = Vec::new();
        for (id, described) in described {
            match described {
                Ok(detail) => {
                    let account = detail.summary.account.clone();
                    wanted.push((account, crate::costs::wanted(Some(&detail), &[])));
                    details.insert(id.to_string(), detail);
                }
                Err(e @ EmrError::Transient(_)) => return Err(e.into()),
                Err(e) => {
                    tracing::info!(cluster = %id, error = %e, "savings: cluster not readable")
                }
            }
        }
        // Each account's clusters at the prices of the region it runs them in.
        let books = self.price_books(wanted.iter().cloned()).await;
        let accounts: BTreeSet<Option<String>> = wanted.into_iter().map(|(a, _)| a).collect();
        let by_account = accounts
            .into_iter()
            .map(|a| {
                let book = books.get(&self.region_of(a.as_deref())).clone();
                (a, book)
            })
            .collect();
        Ok(tally(
            report,
            &details,
            &self.config.policy,
            &by_account,
            self.config.timezone,
        ))
    }
}

/// Each cluster the report names, once, with its account.
fn recorded_clusters(report: &SavingsReport) -> Vec<(Option<String>, ClusterId)> {
    let recorded = report
        .terminated
        .iter()
        .map(|a| (&a.account, &a.cluster))
        .chain(report.kept.iter().map(|k| (&k.account, &k.cluster)));
    let unique: BTreeSet<(Option<String>, ClusterId)> = recorded
        .filter_map(|(account, id)| Some((account.clone(), ClusterId::parse(id).ok()?)))
        .collect();
    unique.into_iter().collect()
}
