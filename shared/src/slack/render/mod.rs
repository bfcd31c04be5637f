//! Every message emrbot shows in Slack, rendered from typed values: the
//! cluster views (`clusters`), the scheduler's notices and report
//! (`notices`), refusals (`refusal`) and the replies to
//! commands (`replies`). Buttons carry the command text they stand for in `value`
//! (`terminate j-1ABC`); the ingress parses it like typed text.

pub mod ack;
pub mod billing;
pub mod changed;
pub mod clusters;
pub mod cost;
pub mod history;
pub mod home;
pub mod notices;
pub mod plan;
pub mod refusal;
pub mod replies;
pub mod savings;
pub mod status;

pub use billing::{cost_report, BillStatus, CostReport};
pub use changed::changed;
pub use clusters::*;
pub use history::history;
pub use home::{home, Home};
pub use notices::*;
pub use plan::{plan, PlanView};
pub use refusal::refusal;
pub use savings::savings;
pub use status::{status_list, StatusPages};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::policy::Rule;

/// A policy rule as users read it.
pub fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::EndOfDay => "end of day",
        Rule::Idle => "idle",
    }
}

/// `1 cluster`, `3 clusters`.
pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// `Mon 18:00 JST`: an instant in the configured time zone.
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests;
