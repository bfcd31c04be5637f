//! The documented queue contract (docs/) is the one the code reads.

use emrbot_domain::message::{CommandMessage, Incoming, Requester};
use emrbot_tests::emulator::repo_root;

#[test]
fn every_documented_example_parses() {
    let dir = repo_root().join("docs/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("docs/examples exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let messages = match Incoming::from_json(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            {
                Incoming::One(m) => vec![*m],
                Incoming::Bundle(bundle) => bundle,
            };
            assert!(messages.iter().all(|m| m.v == 1));
            seen += 1;
        }
    }
    assert!(seen >= 3, "expected examples in {}", dir.display());
}

#[test]
fn the_schema_names_every_command_and_requester() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("docs/queue-message.schema.json")).unwrap(),
    )
    .unwrap();
    let text = schema.to_string();
    for action in emrbot_domain::Action::ALL {
        assert!(
            text.contains(&format!("\"const\":\"{action}\"")),
            "schema lacks command {action}"
        );
    }
    for name in ["warn", "idle_alert", "report", "savings", "account_notice"] {
        assert!(
            text.contains(&format!("\"const\":\"{name}\"")),
            "schema lacks command {name}"
        );
    }
    for kind in ["slack", "service", "scheduler"] {
        assert!(
            text.contains(&format!("\"const\":\"{kind}\"")),
            "schema lacks requester {kind}"
        );
    }
    // A service message as the README shows it.
    let m = CommandMessage::from_json(
        r#"{"v":1,"id":"etl:1","issued_at":"2026-11-21T00:00:00Z","requested_by":{"kind":"service","name":"etl"},"command":{"name":"status"}}"#,
    )
    .unwrap();
    assert_eq!(m.requested_by, Requester::Service { name: "etl".into() });
}

/// The rules travel as the words every earlier scheduler wrote: a message of
/// each kind it sends parses into the typed rule, and writes back the same.
#[test]
fn messages_written_by_earlier_schedulers_parse_with_typed_rules() {
    use emrbot_domain::command::Command;
    use emrbot_domain::rule::{Job, Rule};
    for (word, job) in [
        ("idle", Job::Rule(Rule::Idle)),
        ("end_of_day", Job::Rule(Rule::EndOfDay)),
        ("idle_alert", Job::IdleAlert),
        ("daily_report", Job::DailyReport),
        ("savings_report", Job::SavingsReport),
        ("accounts", Job::Accounts),
    ] {
        let text = format!(
            r#"{{"v":1,"id":"sched:warn:idle:j-1ABC:2026-11-23T17:00:00Z","issued_at":"2026-11-23T16:45:00Z",
               "requested_by":{{"kind":"scheduler","rule":"{word}"}},
               "command":{{"name":"warn","cluster":"j-1ABC","rule":"end_of_day","at":"2026-11-23T17:00:00Z"}},
               "reply_to":{{"kind":"report_webhook"}}}}"#
        );
        let message = match Incoming::from_json(&text).unwrap_or_else(|e| panic!("{word}: {e}")) {
            Incoming::One(m) => *m,
            Incoming::Bundle(_) => panic!("one message"),
        };
        assert_eq!(message.requested_by, Requester::Scheduler { rule: job });
        assert!(matches!(
            message.command,
            Command::Warn {
                rule: Rule::EndOfDay,
                ..
            }
        ));
        let written = serde_json::to_value(&message).unwrap();
        assert_eq!(written["requested_by"]["rule"], word);
        assert_eq!(written["command"]["rule"], "end_of_day");
    }
}
