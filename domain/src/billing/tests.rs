use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn reckoned(id: &str, name: &str, tag: Option<&str>, launcher: Option<&str>, usd: f64) -> Reckoned {
    Reckoned {
        cluster: ClusterId::parse(id).unwrap(),
        name: name.into(),
        tag: tag.map(Into::into),
        launcher: launcher.map(Into::into),
        usd,
        unpriced: Vec::new(),
    }
}

fn period() -> Period {
    CostWindow::Week.period(day("2026-12-07"))
}

#[test]
fn a_window_ends_with_yesterday_because_cost_explorer_lags_a_day() {
    let today = day("2026-12-07");
    let week = CostWindow::Week.period(today);
    assert_eq!((week.start, week.end), (day("2026-11-30"), today));
    assert_eq!(week.last_day(), day("2026-12-06"));
    let thirty = CostWindow::ThirtyDays.period(today);
    assert_eq!(thirty.start, day("2026-11-07"));
    let month = CostWindow::Month.period(today);
    assert_eq!((month.start, month.end), (day("2026-12-01"), today));
    // On the 1st, this month has no whole day yet: last month.
    let first = CostWindow::Month.period(day("2027-01-01"));
    assert_eq!(
        (first.start, first.end),
        (day("2026-12-01"), day("2027-01-01"))
    );
}

#[test]
fn a_window_round_trips_through_its_words_and_its_json() {
    for w in CostWindow::ALL {
        assert_eq!(CostWindow::parse(w.as_str()), Some(w));
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, format!("\"{w}\""));
        assert_eq!(serde_json::from_str::<CostWindow>(&json).unwrap(), w);
    }
    assert_eq!(CostWindow::parse("MONTH"), Some(CostWindow::Month));
    assert_eq!(CostWindow::parse("1y"), None);
}

#[test]
fn each_tag_value_shows_the_bill_beside_emrbots_figure_and_the_difference() {
    let bill = Bill {
        by_tag: BTreeMap::from([("etl-nightly".into(), 12.5), ("gone-cluster".into(), 3.0)]),
        untagged: 40.0,
        estimated: true,
    };
    let ours = [
        reckoned(
            "j-AAAAAAAAAAAA",
            "etl-nightly",
            Some("etl-nightly"),
            Some("U1"),
            12.0,
        ),
        reckoned("j-BBBBBBBBBBBB", "adhoc", Some("adhoc"), Some("U2"), 2.0),
        reckoned("j-CCCCCCCCCCCC", "console", None, None, 1.0),
    ];
    let r = reconcile(period(), Some(bill), &ours);
    let rows: Vec<(&str, Option<f64>, Option<f64>)> = r
        .rows
        .iter()
        .map(|row| (row.tag.as_str(), row.billed, row.reckoned))
        .collect();
    assert_eq!(
        rows,
        [
            ("etl-nightly", Some(12.5), Some(12.0)),
            ("gone-cluster", Some(3.0), None),
            // Tagged, running, not billed yet (Cost Explorer's lag): 0 billed.
            ("adhoc", Some(0.0), Some(2.0)),
        ]
    );
    assert_eq!(r.rows[0].difference(), Some(0.5));
    assert_eq!(r.rows[1].difference(), None);
    assert_eq!(r.untagged_clusters.len(), 1);
    assert_eq!(r.reckoned_total(), 15.0);
    assert_eq!(r.billed_total(), Some(15.5));
}

#[test]
fn without_a_bill_the_figures_are_emrbots_alone() {
    let ours = [reckoned(
        "j-AAAAAAAAAAAA",
        "etl",
        Some("etl"),
        Some("U1"),
        4.0,
    )];
    let r = reconcile(period(), None, &ours);
    assert_eq!(r.rows[0].billed, None);
    assert_eq!(r.rows[0].difference(), None);
    assert_eq!(r.billed_total(), None);
    assert_eq!(r.launchers[0].billed, None);
    assert_eq!(r.launchers[0].reckoned, 4.0);
}

#[test]
fn launchers_are_totalled_and_a_shared_tag_value_is_split_by_emrbots_figures() {
    let bill = Bill {
        by_tag: BTreeMap::from([("adhoc".into(), 10.0), ("etl".into(), 6.0)]),
        ..Bill::default()
    };
    // One name launched by two people: the bill of "adhoc" is shared 3:1.
    let ours = [
        reckoned("j-AAAAAAAAAAAA", "adhoc", Some("adhoc"), Some("U1"), 6.0),
        reckoned("j-BBBBBBBBBBBB", "adhoc", Some("adhoc"), Some("U2"), 2.0),
        reckoned("j-CCCCCCCCCCCC", "etl", Some("etl"), Some("U2"), 5.0),
        reckoned("j-DDDDDDDDDDDD", "console", None, None, 1.0),
    ];
    let r = reconcile(period(), Some(bill), &ours);
    let totals: Vec<(Option<&str>, usize, Option<f64>, f64)> = r
        .launchers
        .iter()
        .map(|l| (l.launcher.as_deref(), l.clusters, l.billed, l.reckoned))
        .collect();
    assert_eq!(
        totals,
        [
            (Some("U2"), 2, Some(8.5), 7.0),
            (Some("U1"), 1, Some(7.5), 6.0),
            (None, 1, Some(0.0), 1.0),
        ]
    );
    assert_eq!(r.rows[0].clusters, ["adhoc"]);
}
