use super::*;

// Someone else's active lock wins over `lock` by the lock store's
// conditional write (no read comes first): proven against the emulator's
// DynamoDB by worker/tests/integration/locks.rs
// (`twenty_concurrent_lockers_exactly_one_wins_and_the_others_are_told_who`).

#[test]
fn a_lock_lasts_the_default_from_now_when_no_duration_is_given() {
    let alice = user("UALICE");
    let take = lock::lock(asker(&alice), &id(), (None, None), hours(2), now());
    assert_eq!(take.lock.until, now() + Duration::hours(2));
    assert_eq!(take.duration, hours(2));
    assert_eq!(take.audit().detail, "until 2026-12-07T12:00:00+00:00");
}

#[test]
fn a_lock_is_the_askers_for_the_duration_asked_with_its_reason() {
    let bob = user("UBOB");
    let ask = (Some(hours(3)), Some("backfill".to_string()));
    let take = lock::lock(asker(&bob), &id(), ask, hours(2), now());
    assert_eq!(take.lock.holder, "UBOB");
    assert_eq!(take.lock.reason.as_deref(), Some("backfill"));
    assert_eq!(take.lock.until, now() + Duration::hours(3));
}

#[test]
fn only_the_holder_asks_to_release_their_own_lock_and_an_admin_asks_for_any() {
    let bob = user("UBOB");
    assert_eq!(lock::unlock_filter(asker(&bob)).as_deref(), Some("UBOB"));
    assert_eq!(lock::unlock_filter(admin(&bob)), None);
}

#[test]
fn bob_may_not_unlock_the_active_lock_alice_holds() {
    let held = lock_of(&user("UALICE"), Duration::hours(1));
    let got = lock::unlocked(asker(&user("UBOB")), Err(held.clone()), now());
    assert_eq!(got, Err(Refusal::UnlockNotYours(Box::new(held))));
}

#[test]
fn an_admins_unlock_says_whose_lock_it_released_and_restarts_the_grace_period() {
    let held = lock_of(&user("UALICE"), Duration::hours(1));
    let got = lock::unlocked(admin(&user("UBOB")), Ok(Some(held)), now()).unwrap();
    assert_eq!(
        got,
        Unlocked::Released {
            held_by: Some("<@UALICE>".into())
        }
    );
    assert!(got.restarts_grace());
}

#[test]
fn unlocking_a_lock_that_ran_out_says_whose_it_was_and_restarts_nothing() {
    let alice = user("UALICE");
    let ended = lock_of(&alice, -Duration::minutes(1));
    let theirs = lock::unlocked(asker(&user("UBOB")), Err(ended.clone()), now()).unwrap();
    assert_eq!(
        theirs,
        Unlocked::NotLocked {
            ended: Some("<@UALICE>".into())
        }
    );
    assert!(!theirs.restarts_grace());
    let own = lock::unlocked(asker(&alice), Ok(Some(ended)), now()).unwrap();
    assert_eq!(own, Unlocked::NotLocked { ended: None });
}

#[test]
fn extend_adds_to_your_lock_and_a_target_time_converges_on_repeats() {
    let alice = user("UALICE");
    let held = lock_of(&alice, Duration::hours(1));
    let added = lock::extend(asker(&alice), &id(), Some(&held), hours(1), None, now()).unwrap();
    assert_eq!(added.lock.until, now() + Duration::hours(2));
    assert!(!added.snoozed);
    let target = now() + Duration::hours(5);
    let once = lock::extend(
        asker(&alice),
        &id(),
        Some(&held),
        hours(1),
        Some(target),
        now(),
    )
    .unwrap();
    let twice = lock::extend(
        asker(&alice),
        &id(),
        Some(&once.lock),
        hours(1),
        Some(target),
        now(),
    )
    .unwrap();
    assert_eq!((once.lock.until, twice.lock.until), (target, target));
}

#[test]
fn extending_someone_elses_lock_is_refused_unless_an_admin_asks() {
    let (alice, bob) = (user("UALICE"), user("UBOB"));
    let held = lock_of(&alice, Duration::hours(1));
    let refused = lock::extend(asker(&bob), &id(), Some(&held), hours(1), None, now());
    assert_eq!(refused, Err(Refusal::Locked(Box::new(held.clone()))));
    let by_admin = lock::extend(admin(&bob), &id(), Some(&held), hours(1), None, now()).unwrap();
    assert_eq!(by_admin.lock.holder, "UALICE", "the lock stays Alice's");
    assert_eq!(by_admin.lock.until, now() + Duration::hours(2));
}

#[test]
fn extending_an_unlocked_cluster_snoozes_it_by_locking_it_for_you() {
    let bob = user("UBOB");
    let expired = lock_of(&user("UALICE"), -Duration::hours(1));
    let got = lock::extend(asker(&bob), &id(), Some(&expired), hours(1), None, now()).unwrap();
    assert!(got.snoozed);
    assert_eq!(got.lock.holder, "UBOB");
    assert_eq!(got.lock.until, now() + Duration::hours(1));
    assert_eq!(
        got.lock.reason.as_deref(),
        Some("snoozed automatic termination")
    );
}
