//! The queue messages of a sweep's decisions: warnings, idle alerts,
//! terminations, the daily report and the weekly savings report, each
//! `requested_by` the scheduler and with an id derived from the decision, so
//! a repeat is dropped by the worker; and the records the reports read
//! (automatic terminations, clusters an end of day passed over).

use crate::{Scheduler, SweepError};
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::command::Command;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_domain::policy::state::Write;
use emrbot_domain::policy::{self, ClusterFacts, Decision, DecisionKind};
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::report::{AutoAction, DailyReport, KeptAction, ReportLine, SavingsReport};
use emrbot_domain::rule::Job;
use std::collections::BTreeMap;

fn message_id(key: &str) -> MessageId {
    MessageId::parse(&format!("sched:{key}"))
        .unwrap_or_else(|_| MessageId::derived("sched", key.as_bytes()))
}

impl Scheduler {
    /// Where notices go: the report webhook when configured (no bot token
    /// needed), else the report channel (config validation ensures one).
    fn reply_to(&self) -> ReplyTo {
        let slack = &self.config.slack;
        match (&slack.report_webhook, &slack.report_channel) {
            (Some(_), _) => ReplyTo::ReportWebhook,
            (None, Some(channel)) => ReplyTo::Channel {
                channel_id: channel.clone(),
                ts: None,
            },
            (None, None) => ReplyTo::None,
        }
    }

    fn message(&self, key: &str, rule: impl Into<Job>, command: Command) -> CommandMessage {
        CommandMessage::new(
            message_id(key),
            self.clock.now(),
            Requester::Scheduler { rule: rule.into() },
            command,
            self.reply_to(),
        )
    }

    pub(crate) async fn message_for(
        &self,
        decision: &Decision,
        f: Option<&ClusterFacts>,
        all: &[ClusterFacts],
        now: DateTime<Utc>,
        records: &mut Vec<Write>,
    ) -> Result<Option<CommandMessage>, SweepError> {
        let cluster_ref = |c: &ClusterSummary| {
            ClusterRef::parse(c.id.as_str()).expect("a cluster id is a valid reference")
        };
        let key = &decision.key.to_string();
        let message = match (&decision.kind, f) {
            (DecisionKind::ExemptEndOfDay { deadline, by }, Some(f)) => {
                records.push(Write::Kept(KeptAction {
                    at: *deadline,
                    cluster: f.cluster.id.to_string(),
                    name: f.cluster.name.clone(),
                    account: f.cluster.account.clone(),
                    by: by.clone(),
                }));
                None
            }
            (DecisionKind::IdleAlert { idle_since }, Some(f)) => Some(
                self.message(
                    key,
                    Job::IdleAlert,
                    Command::IdleAlert {
                        cluster: cluster_ref(&f.cluster),
                        since: *idle_since,
                        cluster_name: Some(f.cluster.name.clone()),
                        holder: f
                            .lock
                            .as_ref()
                            .filter(|l| l.is_active(now))
                            .map(|l| l.holder_display.clone()),
                    },
                ),
            ),
            (DecisionKind::Warn { rule, deadline }, Some(f)) => Some(self.message(
                key,
                *rule,
                Command::Warn {
                    cluster: cluster_ref(&f.cluster),
                    rule: *rule,
                    at: *deadline,
                    cluster_name: Some(f.cluster.name.clone()),
                },
            )),
            (DecisionKind::Terminate { rule, reason, .. }, Some(f)) => {
                records.push(Write::Auto(AutoAction {
                    at: now,
                    cluster: f.cluster.id.to_string(),
                    name: f.cluster.name.clone(),
                    account: f.cluster.account.clone(),
                    rule: *rule,
                    reason: reason.clone(),
                }));
                Some(self.message(
                    key,
                    *rule,
                    Command::Terminate {
                        cluster: cluster_ref(&f.cluster),
                        confirmed: true,
                        force: false,
                        reason: Some(reason.clone()),
                    },
                ))
            }
            (DecisionKind::Report { deadline, since }, _) => {
                let terminated = self.policy.automatic_between(*since, now).await?;
                let clusters = all
                    .iter()
                    .map(|f| {
                        let lock = f.lock.as_ref().filter(|l| l.is_active(now));
                        ReportLine {
                            id: f.cluster.id.to_string(),
                            name: f.cluster.name.clone(),
                            account: f.cluster.account.clone(),
                            state: f.cluster.state.to_string(),
                            created_at: f.cluster.created_at,
                            holder: lock.map(|l| l.holder_display.clone()),
                            locked_until: lock.map(|l| l.until),
                            idle_since: policy::idle_since(f, now),
                            normalized_instance_hours: f.cluster.normalized_instance_hours,
                        }
                    })
                    .collect();
                let report = DailyReport {
                    at: now.max(*deadline),
                    since: *since,
                    clusters,
                    terminated,
                };
                Some(self.message(
                    key,
                    Job::DailyReport,
                    Command::Report {
                        report: Box::new(report),
                    },
                ))
            }
            (DecisionKind::Savings { deadline, since }, _) => {
                // Whole weeks, each ending at a deadline: a late report
                // leaves what came after its deadline to the next one.
                let until = *deadline;
                let (terminated, kept) = tokio::try_join!(
                    self.policy.automatic_between(*since, until),
                    self.policy.kept_between(*since, until)
                )?;
                let report = SavingsReport {
                    at: until,
                    since: *since,
                    terminated,
                    kept,
                };
                Some(self.message(
                    key,
                    Job::SavingsReport,
                    Command::Savings {
                        report: Box::new(report),
                    },
                ))
            }
            (_, None) => None,
        };
        Ok(message)
    }

    /// One notice per account whose reachability changed since the last
    /// announcement (`known`): unreachable now, or reachable again. Each
    /// failing account also gets an error log line every sweep (for the
    /// alarm). The problem is said briefly: no role ARN, no account id.
    pub(crate) fn account_notices(
        &self,
        failed: &[(Option<String>, EmrError)],
        known: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Vec<(String, CommandMessage)> {
        let mut now_failing: BTreeMap<String, String> = BTreeMap::new();
        for (account, error) in failed {
            let name = account.clone().unwrap_or_else(|| "home".into());
            tracing::error!(account = %name, error = %error, "account unreachable; its clusters are left alone this sweep");
            let problem = match error {
                EmrError::Transient(_) => "it is not answering (throttled or timing out)",
                EmrError::Account { .. } | EmrError::AccessDenied(_) => {
                    "emrbot may not assume its role"
                }
                _ => "listing its clusters failed",
            };
            now_failing.insert(name, problem.to_string());
        }
        let changed = now_failing
            .iter()
            .filter(|(name, problem)| known.get(*name) != Some(problem))
            .map(|(name, problem)| (name.clone(), Some(problem.clone())));
        let cleared = known
            .keys()
            .filter(|name| !now_failing.contains_key(*name))
            .map(|name| (name.clone(), None));
        changed
            .chain(cleared)
            .map(|(account, problem)| {
                let key = format!("account:{account}:{}", policy::stamp(now));
                let command = Command::AccountNotice {
                    account: account.clone(),
                    problem,
                };
                (account, self.message(&key, Job::Accounts, command))
            })
            .collect()
    }
}
