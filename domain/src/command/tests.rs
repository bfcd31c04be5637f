use super::*;

fn cluster(s: &str) -> ClusterRef {
    ClusterRef::parse(s).unwrap()
}

#[test]
fn empty_text_is_status() {
    assert_eq!(
        Command::parse("  ").unwrap(),
        Command::Status {
            cluster: None,
            page: None
        }
    );
    assert_eq!(
        Command::parse("STATUS adhoc").unwrap(),
        Command::Status {
            cluster: Some(cluster("adhoc")),
            page: None
        }
    );
    assert_eq!(
        Command::parse("status page 3").unwrap(),
        Command::Status {
            cluster: None,
            page: Some(3)
        }
    );
    for bad in ["status page 0", "status page x", "status page"] {
        if bad == "status page" {
            // A cluster may be called `page`.
            assert!(Command::parse(bad).is_ok());
        } else {
            assert!(Command::parse(bad).is_err(), "{bad}");
        }
    }
}

#[test]
fn lock_takes_optional_duration_and_reason() {
    assert_eq!(
        Command::parse("lock adhoc for 2h backfill of March").unwrap(),
        Command::Lock {
            cluster: cluster("adhoc"),
            duration: Some("2h".parse().unwrap()),
            reason: Some("backfill of March".into())
        }
    );
    assert_eq!(
        Command::parse("lock j-1ABC").unwrap(),
        Command::Lock {
            cluster: cluster("j-1ABC"),
            duration: None,
            reason: None
        }
    );
    assert_eq!(
        Command::parse("lock adhoc 90m").unwrap(),
        Command::Lock {
            cluster: cluster("adhoc"),
            duration: Some("90m".parse().unwrap()),
            reason: None
        }
    );
    assert!(matches!(
        Command::parse("lock adhoc for"),
        Err(ParseError::Usage(Action::Lock))
    ));
    assert!(matches!(
        Command::parse("lock adhoc for soon"),
        Err(ParseError::Duration(_))
    ));
}

#[test]
fn the_rest_of_the_grammar() {
    assert_eq!(
        Command::parse("unlock adhoc").unwrap(),
        Command::Unlock {
            cluster: cluster("adhoc")
        }
    );
    assert_eq!(
        Command::parse("extend adhoc 1h").unwrap(),
        Command::Extend {
            cluster: cluster("adhoc"),
            duration: "1h".parse().unwrap(),
            until: None
        }
    );
    assert_eq!(
        Command::parse("launch adhoc my test cluster").unwrap(),
        Command::Launch {
            preset: "adhoc".into(),
            cluster_name: Some("my test cluster".into())
        }
    );
    assert_eq!(
        Command::parse("terminate j-1ABC").unwrap(),
        Command::Terminate {
            cluster: cluster("j-1ABC"),
            confirmed: false,
            force: false,
            reason: None
        }
    );
    assert_eq!(
        Command::parse("terminate j-1ABC force").unwrap(),
        Command::Terminate {
            cluster: cluster("j-1ABC"),
            confirmed: false,
            force: true,
            reason: None
        }
    );
    assert_eq!(
        Command::parse("resize adhoc core 4").unwrap(),
        Command::Resize {
            cluster: cluster("adhoc"),
            group: "core".into(),
            count: 4,
            spot: None,
            force: false
        }
    );
    assert_eq!(Command::parse("help").unwrap(), Command::Help);
    assert_eq!(
        Command::parse("extend j-1ABC 1h until 2026-12-02T10:00:00Z").unwrap(),
        Command::Extend {
            cluster: cluster("j-1ABC"),
            duration: "1h".parse().unwrap(),
            until: Some("2026-12-02T10:00:00Z".parse().unwrap())
        }
    );
    assert!(Command::parse("extend j-1ABC 1h until tomorrow").is_err());
    assert_eq!(
        Command::parse("resize adhoc task 2 spot 6 force").unwrap(),
        Command::Resize {
            cluster: cluster("adhoc"),
            group: "task".into(),
            count: 2,
            spot: Some(6),
            force: true
        }
    );
    for bad in [
        "resize adhoc task 2 spot",
        "resize adhoc task 2 spot 99999",
        "resize adhoc task 4294967296",
        "resize adhoc task 2 now",
    ] {
        assert!(Command::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn errors_say_what_to_type() {
    assert_eq!(
        Command::parse("frobnicate").unwrap_err().to_string(),
        "I don't know `frobnicate`."
    );
    for (slip, meant) in [
        ("terminat", "terminate"),
        ("stauts", "status"),
        ("term", "terminate"),
        ("LOCKK", "lock"),
        ("histroy", "history"),
        ("unlcok", "unlock"),
    ] {
        assert_eq!(
            Command::parse(&format!("{slip} adhoc"))
                .unwrap_err()
                .to_string(),
            format!("I don't know `{slip}`: did you mean `{meant}`?"),
        );
    }
    // No guess when two are as near, or nothing is near.
    for unclear in ["lo", "xyzzy", "st", "pan2x"] {
        assert!(
            matches!(
                Command::parse(unclear),
                Err(ParseError::UnknownSubcommand { near: None, .. })
            ),
            "{unclear}"
        );
    }
    assert!(Command::parse("unlock")
        .unwrap_err()
        .to_string()
        .contains("unlock <cluster>"));
    assert!(matches!(
        Command::parse("resize a core many"),
        Err(ParseError::BadCount(_))
    ));
    assert!(matches!(
        Command::parse("resize a core -1"),
        Err(ParseError::BadCount(_))
    ));
    assert!(matches!(
        Command::parse("launch ../etc"),
        Err(ParseError::BadPreset(_))
    ));
}

#[test]
fn serializes_as_the_queue_contract_says() {
    let c = Command::parse("lock adhoc for 1h30m ETL").unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"name":"lock","cluster":"adhoc","duration":"1h30m","reason":"ETL"})
    );
    assert_eq!(serde_json::from_value::<Command>(json).unwrap(), c);
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,200}") {
        let _ = Command::parse(&s);
    }
}

#[test]
fn cost_takes_a_window_of_7d_30d_or_month_and_nothing_else() {
    use crate::billing::CostWindow;
    assert_eq!(
        Command::parse("cost").unwrap(),
        Command::Cost { window: None }
    );
    assert_eq!(
        Command::parse("cost 30D").unwrap(),
        Command::Cost {
            window: Some(CostWindow::ThirtyDays)
        }
    );
    assert_eq!(Command::parse("cost month").unwrap().action(), Action::Cost);
    for bad in ["cost 2w", "cost 7d adhoc"] {
        assert_eq!(
            Command::parse(bad),
            Err(ParseError::Usage(Action::Cost)),
            "{bad}"
        );
    }
    // The queue contract: the window as its word.
    let json = serde_json::to_string(&Command::Cost {
        window: Some(CostWindow::Month),
    })
    .unwrap();
    assert_eq!(json, r#"{"name":"cost","window":"month"}"#);
}
