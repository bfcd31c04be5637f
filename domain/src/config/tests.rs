use super::*;

pub const SAMPLE: &str = include_str!("../../../config/emrbot.sample.toml");

#[test]
fn the_sample_config_loads() {
    let c = Config::from_toml(SAMPLE).unwrap();
    assert_eq!(c.timezone, chrono_tz::Asia::Tokyo);
    assert_eq!(c.policy.unlocked_grace.as_secs(), 1800);
    assert_eq!(c.policy.end_of_day, NaiveTime::from_hms_opt(19, 0, 0));
    assert!(c.presets.contains_key("adhoc"));
}

#[test]
fn the_scheduler_reads_through_the_reader_role() {
    let c = Config::from_toml(SAMPLE).unwrap();
    let account = &c.accounts["analytics"];
    assert!(account
        .for_access(Access::Read)
        .role_arn
        .ends_with("emrbot-operator-reader"));
    assert!(account
        .for_access(Access::Operate)
        .role_arn
        .ends_with("emrbot-operator"));
    let e = error_of("timezone = \"UTC\"\n[accounts.a]\nrole_arn = \"arn:aws:iam::1:role/x\"\nreader_role_arn = \"nope\"");
    assert!(e.contains("accounts.a.reader_role_arn"), "{e}");
}

fn error_of(text: &str) -> String {
    Config::from_toml(text).unwrap_err().to_string()
}

#[test]
fn errors_name_the_key() {
    assert!(error_of("timezone = \"Mars/Olympus\"").contains("Mars/Olympus"));
    let e = error_of("timezone = \"UTC\"\n[policy]\nunlocked_grace = \"soon\"");
    assert!(e.contains("unlocked_grace") && e.contains("soon"), "{e}");
    let e = error_of("timezone = \"UTC\"\n[policy]\nidel_alert_after = \"2h\"");
    assert!(e.contains("idel_alert_after"), "{e}");
    let e = error_of("timezone = \"UTC\"\n[presets.x]\naccount = \"nope\"\nrelease = \"emr-7.5.0\"\ninstance_type = \"m5.xlarge\"");
    assert!(e.contains("presets.x.account") && e.contains("nope"), "{e}");
    let e =
        error_of("timezone = \"UTC\"\n[[permissions.channels]]\nid = \"C1\"\nallow = [\"fly\"]");
    assert!(e.contains("fly"), "{e}");
}

#[test]
fn notices_need_a_destination_and_buttons_need_permission() {
    let e = error_of("timezone = \"UTC\"");
    assert!(
        e.contains("slack.report_channel") && e.contains("slack.report_webhook"),
        "{e}"
    );
    let c = Config::from_toml(
        "timezone = \"UTC\"\n[slack]\nreport_webhook = \"https://hooks.slack.com/services/T/B/x\"",
    )
    .unwrap();
    assert!(c.warnings().is_empty());
    let c = Config::from_toml("timezone = \"UTC\"\n[slack]\nreport_channel = \"CREP\"").unwrap();
    let w = c.warnings();
    assert!(
        w.len() == 1 && w[0].contains("CREP") && w[0].contains("lock"),
        "{w:?}"
    );
    assert!(
        Config::from_toml(SAMPLE).unwrap().warnings().is_empty(),
        "the sample config's report channel can act"
    );
}

#[test]
fn the_savings_report_is_a_weekday_and_a_time() {
    let c = Config::from_toml(SAMPLE).unwrap();
    assert_eq!(
        c.policy.savings_report,
        Some(Weekly {
            day: Weekday::Mon,
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        })
    );
    let off = Config::from_toml("timezone = \"UTC\"\n[slack]\nreport_channel = \"C\"").unwrap();
    assert_eq!(off.policy.savings_report, None, "off unless set");
    assert_eq!(
        off.policy.workday_start,
        NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    );
    let e = error_of("timezone = \"UTC\"\n[policy]\nsavings_report = \"Monday\"");
    assert!(
        e.contains("savings_report") && e.contains("Mon 09:00"),
        "{e}"
    );
}
