//! The README's quoted replies are what emrbot says: every ```console block
//! of README.md is run, command by command, against a fresh emrbot-local
//! (the one `make run` starts), and each line the README shows must appear
//! in what `send` printed, in order. Ids, times, durations and dollar
//! amounts vary from run to run and are compared by their shape; a line
//! of `…` stands for lines left out, and a line ending in `…` for the rest
//! of a line that varies (`terminates at … if still idle` or `(end of day)`
//! depends on the hour the README is run at).

use crate::process::{repo_root, LocalRun};

/// One `$ $E send …` of the README and the lines it shows under it.
#[derive(Debug)]
struct Step {
    line: usize,
    args: Vec<String>,
    shown: Vec<String>,
}

fn steps(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut in_console = false;
    for (n, line) in readme.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed.starts_with("```") {
            in_console = !in_console && trimmed == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = trimmed.strip_prefix("$ ") {
            let args = command
                .strip_prefix("$E send ")
                .unwrap_or_else(|| {
                    panic!("README.md:{}: a console block runs only `$E send …`", n + 1)
                })
                .split_whitespace()
                .map(str::to_string)
                .collect();
            steps.push(Step {
                line: n + 1,
                args,
                shown: Vec::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.shown.push(trimmed.to_string());
        }
    }
    steps
}

/// The line with what varies between runs replaced by its kind.
fn shape(line: &str) -> String {
    let c: Vec<char> = line.trim().chars().collect();
    let boundary = |i: usize| i == 0 || !c[i - 1].is_ascii_alphanumeric();
    let digits = |from: usize| c[from..].iter().take_while(|x| x.is_ascii_digit()).count();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        // A cluster id: j- and 13 capitals or digits.
        if c[i] == 'j' && boundary(i) && c.get(i + 1) == Some(&'-') {
            let id = c[i + 2..]
                .iter()
                .take_while(|x| x.is_ascii_uppercase() || x.is_ascii_digit())
                .count();
            if id == 13 {
                out.push_str("<cluster id>");
                i += 2 + id;
                continue;
            }
        }
        // A local time: `Mon 14:49`.
        let day: String = c[i..c.len().min(i + 4)].iter().collect();
        let days = ["Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "];
        if boundary(i)
            && days.contains(&day.as_str())
            && digits(i + 4) == 2
            && c.get(i + 6) == Some(&':')
            && digits(i + 7) == 2
        {
            out.push_str("<time>");
            i += 9;
            continue;
        }
        // Dollars: `$0.72`.
        if c[i] == '$' && digits(i + 1) > 0 {
            let whole = digits(i + 1);
            if c.get(i + 1 + whole) == Some(&'.') && digits(i + 2 + whole) == 2 {
                out.push_str("<usd>");
                i += 4 + whole;
                continue;
            }
        }
        // A duration: `0m`, `2h`, `1h30m`, `3d`.
        if boundary(i) && digits(i) > 0 {
            let mut j = i;
            while digits(j) > 0 && matches!(c.get(j + digits(j)), Some('d' | 'h' | 'm')) {
                j += digits(j) + 1;
            }
            if j > i && !c.get(j).is_some_and(|x| x.is_ascii_alphanumeric()) {
                out.push_str("<duration>");
                i = j;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Where each shown line is in `printed`, in order; the first that is not.
fn first_missing(shown: &[String], printed: &str) -> Option<String> {
    let printed: Vec<String> = printed.lines().map(shape).collect();
    let mut at = 0;
    for line in shown {
        let want = shape(line);
        if want.is_empty() || want == "…" {
            continue;
        }
        let matches = |have: &String| match want.strip_suffix('…') {
            Some(start) => have.starts_with(start.trim_end()),
            None => *have == want,
        };
        match printed[at..].iter().position(matches) {
            Some(found) => at += found + 1,
            None => return Some(line.clone()),
        }
    }
    None
}

#[test]
fn shapes_keep_words_and_drop_what_varies() {
    assert_eq!(
        shape("*nightly-etl* `j-WUAI3U2TALOMA` · Up 0m · until Mon 16:49 JST · ≈ $0.00 so far ($0.72/h)"),
        "*nightly-etl* `<cluster id>` · Up <duration> · until <time> JST · ≈ <usd> so far (<usd>/h)"
    );
    assert_eq!(
        shape("• master · m5.xlarge · 1/1 running"),
        "• master · m5.xlarge · 1/1 running"
    );
    assert_eq!(
        shape("lock for 1h30m (testing)"),
        "lock for <duration> (testing)"
    );
    assert_eq!(
        first_missing(&["a".into(), "…".into(), "c…".into()], "a\nb\nc d"),
        None
    );
    assert_eq!(
        first_missing(&["c".into(), "a".into()], "a\nb\nc"),
        Some("a".into()),
        "in order"
    );
}

#[tokio::test]
async fn the_readme_shows_what_emrbot_says() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let steps = steps(&readme);
    assert!(steps.len() >= 5, "the README's walk: {steps:?}");
    let run = LocalRun::start().await;
    for step in &steps {
        let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
        let sent = run.send(&args).await;
        println!(
            "README.md:{} `send {}`: {:?}",
            step.line,
            args.join(" "),
            sent.took
        );
        if let Some(missing) = first_missing(&step.shown, &sent.stdout) {
            panic!(
                "README.md:{}: `$E send {}` no longer says\n    {missing}\nIt printed:\n{}{}",
                step.line,
                args.join(" "),
                sent.stdout,
                sent.stderr
            );
        }
    }
}
