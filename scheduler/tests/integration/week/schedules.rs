//! The EventBridge Scheduler schedules `infra/template.yaml` defines, read
//! from the template itself, and the events they fire over a span of time:
//! cron expressions evaluated by a cron library in the schedule's time zone
//! (daylight saving included), `rate(…)` on a fixed grid.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_yaml::Value;
use std::str::FromStr;

/// One schedule: when it fires, and the event it sends.
pub struct Schedule {
    pub name: String,
    pub expression: String,
    pub timezone: Tz,
    /// The `Input` template (`<aws.scheduler.scheduled-time>` is the time).
    pub input: String,
}

/// A `!Ref` to a parameter is its default; anything else must be a string.
fn resolve(template: &Value, value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Tagged(tagged) if tagged.tag == "!Ref" => {
            let name = tagged.value.as_str().expect("!Ref names a parameter");
            template["Parameters"][name]["Default"]
                .as_str()
                .unwrap_or_else(|| panic!("parameter {name} has no default"))
                .to_string()
        }
        Value::Tagged(tagged) if tagged.tag == "!Sub" => {
            tagged.value.as_str().expect("!Sub of a string").to_string()
        }
        other => panic!("cannot resolve {other:?}"),
    }
}

/// Every `ScheduleV2` event of the scheduler function.
pub fn from_template(path: &std::path::Path) -> Vec<Schedule> {
    let text = std::fs::read_to_string(path).expect("the template");
    let template: Value = serde_yaml::from_str(&text).expect("YAML");
    let events = template["Resources"]["SchedulerFunction"]["Properties"]["Events"]
        .as_mapping()
        .expect("the scheduler's events");
    events
        .iter()
        .filter(|(_, e)| e["Type"].as_str() == Some("ScheduleV2"))
        .map(|(name, e)| {
            let p = &e["Properties"];
            Schedule {
                name: name.as_str().unwrap_or_default().to_string(),
                expression: resolve(&template, &p["ScheduleExpression"]),
                timezone: resolve(&template, &p["ScheduleExpressionTimezone"])
                    .parse()
                    .expect("an IANA time zone"),
                input: resolve(&template, &p["Input"]),
            }
        })
        .collect()
}

impl Schedule {
    /// The instants it fires in `[from, to)`.
    pub fn fire_times(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let inner = |prefix: &str| {
            self.expression
                .strip_prefix(prefix)
                .and_then(|e| e.strip_suffix(')'))
                .map(str::trim)
        };
        if let Some(rate) = inner("rate(") {
            let (n, unit) = rate.split_once(' ').expect("rate(N unit)");
            let n: i64 = n.parse().expect("a number");
            let step = match unit.trim_end_matches('s') {
                "minute" => Duration::minutes(n),
                "hour" => Duration::hours(n),
                "day" => Duration::days(n),
                other => panic!("rate unit {other}"),
            };
            let mut t = from;
            let mut out = Vec::new();
            while t < to {
                out.push(t);
                t += step;
            }
            return out;
        }
        // EventBridge: minutes hours day-of-month month day-of-week year;
        // the cron crate reads the same Quartz syntax with seconds first.
        let fields = inner("cron(").expect("cron(…) or rate(…)");
        let schedule = cron::Schedule::from_str(&format!("0 {fields}")).expect("a cron expression");
        schedule
            .after(&(from - Duration::seconds(1)).with_timezone(&self.timezone))
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t < to)
            .collect()
    }

    /// The event fired at `time`, as the scheduler Lambda receives it.
    pub fn event(&self, time: DateTime<Utc>) -> serde_json::Value {
        let text = self
            .input
            .replace("<aws.scheduler.scheduled-time>", &time.to_rfc3339())
            .replace(
                "<aws.scheduler.execution-id>",
                &uuid::Uuid::new_v4().to_string(),
            );
        serde_json::from_str(&text).expect("the schedule's input is JSON")
    }
}
