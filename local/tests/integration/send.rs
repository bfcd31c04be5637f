//! `emrbot-local send` knows when the acknowledgement is the whole answer
//! (the ingress says so), so an immediate answer returns at once instead of
//! waiting out `--wait` for a reply that never comes; a queued command
//! returns as soon as its answer has arrived.

use crate::process::LocalRun;
use std::time::Duration;

/// What Slack gives a slash command, and so what `send` must beat.
const IMMEDIATE: Duration = Duration::from_secs(3);

#[tokio::test]
async fn immediate_answers_return_at_once_and_deferred_ones_when_answered() {
    let run = LocalRun::start().await;
    for (text, says) in [
        (&["help"][..], "What you can do here with `/emr`"),
        (&["terminat", "foo"][..], "did you mean `terminate`?"),
        (&["lock"][..], "Usage: `lock <cluster>"),
        (&["frobnicate"][..], "I don't know `frobnicate`."),
    ] {
        let sent = run.send(text).await;
        assert!(sent.success, "{text:?}: {}{}", sent.stdout, sent.stderr);
        assert!(sent.stdout.contains(says), "{text:?}: {}", sent.stdout);
        assert!(
            sent.took < IMMEDIATE,
            "`send {}` took {:?} for an immediate answer",
            text.join(" "),
            sent.took
        );
    }
    // A queued command waits for its answer, and for no more than that:
    // well within the 15 s `--wait` it would otherwise sit out.
    let sent = run.send(&["--wait", "60", "status"]).await;
    assert!(
        sent.stdout.contains("== EMR clusters (2) =="),
        "{}",
        sent.stdout
    );
    assert!(sent.took < Duration::from_secs(30), "{:?}", sent.took);
    // "Say so" past the last page.
    let sent = run.send(&["status", "page", "3"]).await;
    assert!(
        sent.stdout.contains("There is no page 3"),
        "{}",
        sent.stdout
    );
}
