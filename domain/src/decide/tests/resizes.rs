use super::*;

fn group(id: &str, role: InstanceRole, fleet: bool) -> CapacityGroup {
    CapacityGroup {
        id: id.into(),
        name: Some(format!("{} group", role.as_str())),
        role: Some(role),
        instance_type: "m5.xlarge".into(),
        requested: 2,
        running: 2,
        is_fleet: fleet,
        spot: false,
        ebs: Vec::new(),
    }
}

fn groups() -> Vec<CapacityGroup> {
    vec![
        group("ig-M", InstanceRole::Master, false),
        group("ig-C", InstanceRole::Core, false),
        group("ig-T", InstanceRole::Task, false),
    ]
}

fn presets() -> BTreeMap<String, Preset> {
    let adhoc: Preset = toml::from_str(
        "release = \"emr-7.5.0\"\ninstance_type = \"m5.xlarge\"\nmax_core_count = 10\nmax_task_count = 4\n",
    )
    .unwrap();
    [("adhoc".to_string(), adhoc)].into()
}

fn ask(group: &str, count: u32, spot: Option<u32>) -> resize::Ask {
    resize::Ask {
        group: group.into(),
        count,
        spot,
        force: false,
    }
}

fn of_preset(name: &str) -> BTreeMap<String, String> {
    [(TAG_PRESET.to_string(), name.to_string())].into()
}

#[test]
fn a_resize_within_the_presets_bound_is_done_and_past_it_is_refused() {
    let presets = presets();
    let limits = Limits {
        presets: &presets,
        max_instances: 50,
    };
    let ok = resize::resize(
        &groups(),
        &of_preset("adhoc"),
        &ask("core", 10, None),
        limits,
    )
    .unwrap();
    assert_eq!(
        (ok.group.id.as_str(), ok.count, ok.fleet),
        ("ig-C", 10, None)
    );
    assert_eq!(ok.audit().detail, "core ig-C 2 -> 10");
    let over = resize::resize(
        &groups(),
        &of_preset("adhoc"),
        &ask("task", 5, None),
        limits,
    );
    assert_eq!(
        over,
        Err(Refusal::OverPresetLimit {
            preset: "adhoc".into(),
            max: 4,
            role: "task".into(),
            count: 5
        })
    );
}

#[test]
fn a_cluster_of_no_preset_is_bounded_by_max_instances() {
    let presets = presets();
    let limits = Limits {
        presets: &presets,
        max_instances: 8,
    };
    let none = BTreeMap::new();
    assert!(resize::resize(&groups(), &none, &ask("core", 8, None), limits).is_ok());
    let over = resize::resize(&groups(), &none, &ask("core", 9, None), limits);
    assert!(
        matches!(over, Err(Refusal::OverPresetLimit { ref preset, max: 8, .. }) if preset.contains("max_instances")),
        "{over:?}"
    );
}

#[test]
fn a_core_group_cannot_be_emptied_and_a_primary_group_cannot_be_resized() {
    let presets = presets();
    let limits = Limits {
        presets: &presets,
        max_instances: 50,
    };
    let none = BTreeMap::new();
    assert_eq!(
        resize::resize(&groups(), &none, &ask("core", 0, None), limits),
        Err(Refusal::CoreNeedsOne)
    );
    assert!(resize::resize(&groups(), &none, &ask("task", 0, None), limits).is_ok());
    assert_eq!(
        resize::resize(&groups(), &none, &ask("primary", 3, None), limits),
        Err(Refusal::NotResizable)
    );
}

#[test]
fn spot_capacity_needs_a_fleet_and_counts_toward_the_bound() {
    let presets = presets();
    let limits = Limits {
        presets: &presets,
        max_instances: 6,
    };
    let none = BTreeMap::new();
    assert_eq!(
        resize::resize(&groups(), &none, &ask("task", 1, Some(2)), limits),
        Err(Refusal::SpotNeedsFleet)
    );
    let fleets = vec![group("if-T", InstanceRole::Task, true)];
    let ok = resize::resize(&fleets, &none, &ask("task", 2, Some(4)), limits).unwrap();
    assert_eq!(ok.count, 6);
    assert_eq!(ok.fleet.map(|f| (f.on_demand, f.spot)), Some((2, Some(4))));
    assert!(resize::resize(&fleets, &none, &ask("task", 3, Some(4)), limits).is_err());
}

#[test]
fn a_group_is_named_by_role_id_or_name_and_an_unknown_one_lists_those_there_are() {
    let g = groups();
    assert_eq!(resize::find_group(&g, "ig-T").unwrap().id, "ig-T");
    assert_eq!(resize::find_group(&g, "CORE GROUP").unwrap().id, "ig-C");
    assert_eq!(
        resize::find_group(&g, "gpu"),
        Err(Refusal::NoSuchGroup {
            group: "gpu".into(),
            known: vec![
                "master `ig-M`".into(),
                "core `ig-C`".into(),
                "task `ig-T`".into()
            ]
        })
    );
    let two_task = vec![
        group("ig-T1", InstanceRole::Task, false),
        group("ig-T2", InstanceRole::Task, false),
    ];
    assert!(matches!(
        resize::find_group(&two_task, "task"),
        Err(Refusal::SeveralGroups { .. })
    ));
}

#[test]
fn another_users_lock_stops_a_resize_unless_an_admin_forces_it() {
    let held = lock_of(&user("UALICE"), Duration::hours(1));
    let bob = user("UBOB");
    assert_eq!(
        resize::past_lock(asker(&bob), Some(&held), true, now()),
        Err(Refusal::Locked(Box::new(held.clone())))
    );
    assert_eq!(
        resize::past_lock(admin(&bob), Some(&held), false, now()),
        Err(Refusal::Locked(Box::new(held.clone())))
    );
    assert_eq!(
        resize::past_lock(admin(&bob), Some(&held), true, now()),
        Ok(())
    );
    assert_eq!(
        resize::past_lock(asker(&user("UALICE")), Some(&held), false, now()),
        Ok(())
    );
}
