use super::*;

#[test]
fn a_name_another_active_cluster_has_or_an_id_as_a_name_is_refused() {
    let everywhere = vec![
        cluster("etl", "j-1ABC", None),
        cluster("ml", "j-2DEF", Some("analytics")),
    ];
    let taken = |name: &str| Err(Refusal::NameTaken { name: name.into() });
    assert_eq!(
        launch::name_clash(&everywhere, "j-1ABC", None),
        taken("j-1ABC")
    );
    assert_eq!(
        launch::name_clash(&everywhere, "ml", None),
        taken("ml"),
        "another account's"
    );
    assert_eq!(launch::name_clash(&everywhere, "fresh", None), Ok(vec![]));
    assert_eq!(
        launch::name_clash(&everywhere, "etl", None),
        Ok(vec![ClusterId::parse("j-1ABC").unwrap()]),
        "the same account's: perhaps this message's own launch"
    );
}

#[test]
fn the_cluster_this_message_launched_before_is_found_and_any_other_holds_the_name() {
    let message = MessageId::random("slack");
    let ours = vec![ClusterId::parse("j-1ABC").unwrap()];
    let tagged = |request: &str| -> HashMap<ClusterId, BTreeMap<String, String>> {
        [(
            ours[0].clone(),
            [(TAG_REQUEST.to_string(), request.to_string())].into(),
        )]
        .into()
    };
    assert_eq!(
        launch::earlier_launch(&ours, &tagged(message.as_str()), &message, "etl"),
        Ok(Some(ours[0].clone()))
    );
    assert_eq!(
        launch::earlier_launch(&ours, &tagged("slack:someone-else"), &message, "etl"),
        Err(Refusal::NameTaken { name: "etl".into() })
    );
    assert_eq!(
        launch::earlier_launch(&[], &HashMap::new(), &message, "etl"),
        Ok(None)
    );
}

#[test]
fn an_unknown_preset_is_refused_with_the_presets_there_are() {
    let presets: BTreeMap<String, Preset> = [(
        "adhoc".to_string(),
        toml::from_str("release = \"emr-7.5.0\"\ninstance_type = \"m5.xlarge\"\n").unwrap(),
    )]
    .into();
    assert!(launch::preset(&presets, "adhoc").is_ok());
    assert_eq!(
        launch::preset(&presets, "gpu").err(),
        Some(Refusal::NoSuchPreset {
            preset: "gpu".into(),
            known: vec!["adhoc".into()]
        })
    );
}

#[test]
fn a_cluster_without_a_name_is_named_for_its_preset_launcher_and_minute() {
    let at: DateTime<Utc> = "2026-12-07T09:05:00Z".parse().unwrap();
    assert_eq!(
        launch::cluster_name("adhoc", None, &user("UALICE"), at),
        "adhoc-ualice-1207-0905"
    );
    let service = Requester::Service { name: "etl".into() };
    assert_eq!(
        launch::cluster_name("adhoc", None, &service, at),
        "adhoc-service-etl-1207-0905"
    );
    assert_eq!(
        launch::cluster_name("adhoc", Some("mine"), &service, at),
        "mine"
    );
}
