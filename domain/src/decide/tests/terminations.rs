use super::*;

const CONFIRMED: terminate::Ask = terminate::Ask {
    confirmed: true,
    force: false,
};
const FORCED: terminate::Ask = terminate::Ask {
    confirmed: true,
    force: true,
};

#[test]
fn bob_may_not_terminate_a_cluster_alice_locked_nor_force_it() {
    let c = cluster("etl", "j-1ABC", None);
    let held = lock_of(&user("UALICE"), Duration::hours(1));
    let bob = user("UBOB");
    for (ask, forced) in [(CONFIRMED, false), (FORCED, true)] {
        let got = terminate::allowed(asker(&bob), &c, Some(&held), ask, now());
        assert_eq!(
            got,
            Err(Refusal::TerminateLocked {
                name: "etl".into(),
                lock: Box::new(held.clone()),
                forced,
            })
        );
    }
}

#[test]
fn an_admin_or_the_scheduler_may_force_past_a_lock_and_the_audit_says_whose() {
    let c = cluster("etl", "j-1ABC", None);
    let held = lock_of(&user("UALICE"), Duration::hours(1));
    let (bob, sched) = (user("UBOB"), scheduler());
    for who in [admin(&bob), asker(&sched)] {
        let ok = terminate::allowed(who, &c, Some(&held), FORCED, now()).unwrap();
        let effect = terminate::effect(who, &c, ok, FORCED, false, None).unwrap();
        assert_eq!(
            effect.audit().detail,
            "terminated, forced past <@UALICE>'s lock"
        );
    }
    let unforced = terminate::allowed(admin(&bob), &c, Some(&held), CONFIRMED, now());
    assert!(unforced.is_err(), "an admin forces only when asked to");
}

#[test]
fn your_own_lock_or_an_expired_one_does_not_stop_a_termination() {
    let c = cluster("etl", "j-1ABC", None);
    let alice = user("UALICE");
    for held in [
        lock_of(&alice, Duration::hours(1)),
        lock_of(&user("UBOB"), -Duration::minutes(1)),
    ] {
        let ok = terminate::allowed(asker(&alice), &c, Some(&held), CONFIRMED, now()).unwrap();
        assert_eq!(ok.past_lock, None);
    }
}

#[test]
fn an_unconfirmed_termination_asks_with_a_button_unless_emr_protects_the_cluster() {
    let c = cluster("etl", "j-1ABC", None);
    let bob = user("UBOB");
    let ask = terminate::Ask {
        confirmed: false,
        force: false,
    };
    assert!(Effect::needs_protection(asker(&bob), ask, false));
    assert!(!Effect::needs_protection(asker(&bob), CONFIRMED, false));
    let ok = || terminate::allowed(asker(&bob), &c, None, ask, now()).unwrap();
    assert_eq!(
        terminate::effect(asker(&bob), &c, ok(), ask, false, Some(false)),
        Ok(Effect::Confirm { holder: None })
    );
    assert_eq!(
        terminate::effect(asker(&bob), &c, ok(), ask, false, Some(true)),
        Err(terminate::protected_refusal(&c))
    );
}

#[test]
fn the_schedulers_termination_in_a_dry_run_is_said_and_not_done_but_a_users_is_done() {
    let c = cluster("etl", "j-1ABC", None);
    let (sched, bob) = (scheduler(), user("UBOB"));
    let ok = terminate::allowed(asker(&sched), &c, None, CONFIRMED, now()).unwrap();
    assert_eq!(
        terminate::effect(asker(&sched), &c, ok.clone(), CONFIRMED, true, None),
        Ok(Effect::DryRun)
    );
    assert!(!Effect::needs_protection(asker(&sched), CONFIRMED, true));
    assert_eq!(
        terminate::effect(asker(&bob), &c, ok, CONFIRMED, true, None),
        Ok(Effect::Terminate { past_lock: None })
    );
}

#[test]
fn a_termination_by_a_rule_this_version_cannot_recheck_is_refused() {
    let c = cluster("etl", "j-1ABC", None);
    assert_eq!(terminate::rule_to_recheck(&c, None), Ok(None));
    assert_eq!(
        terminate::rule_to_recheck(&c, Some(&Job::Rule(Rule::EndOfDay))),
        Ok(Some(Rule::EndOfDay))
    );
    for job in [Job::Unknown("midnight".into()), Job::DailyReport] {
        assert_eq!(
            terminate::rule_to_recheck(&c, Some(&job)),
            Err(Refusal::UnknownRule {
                name: "etl".into(),
                id: c.id.clone(),
                rule: job.to_string(),
            })
        );
    }
}
