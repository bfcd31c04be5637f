//! The terminal side of `emrbot-local send`: replies printed with their
//! buttons numbered, `--click N`, and, when stdin is a terminal, a prompt
//! that clicks the button typed, as a user would in Slack.

use crate::click::{buttons, click, Button};
use crate::render;
use crate::send::SendOptions;
use serde_json::Value;
use std::io::Write;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// A reply as text, its buttons numbered for `--click N` and the prompt.
pub fn print_with_buttons(message: &Value) {
    println!("\n{}", render::to_text(message));
    // With the command each stands for: a list of clusters repeats labels.
    for (i, b) in buttons(message).iter().enumerate() {
        match b.value.as_str() {
            "" => println!("  [{}] {}", i + 1, b.label),
            value => println!("  [{}] {}  ({value})", i + 1, b.label),
        }
    }
}

/// The latest of `messages` that has buttons, with them.
fn last_with_buttons(messages: &[Value]) -> Option<(&Value, Vec<Button>)> {
    messages
        .iter()
        .rev()
        .map(|m| (m, buttons(m)))
        .find(|(_, b)| !b.is_empty())
}

/// Clicks button `n` (from 1) of the latest message in `messages` with
/// buttons; prints and returns what comes back.
pub async fn click_nth(
    options: &SendOptions,
    messages: &[Value],
    n: usize,
) -> Result<Vec<Value>, String> {
    let (message, offered) =
        last_with_buttons(messages).ok_or("the reply has no buttons to click")?;
    let button = n
        .checked_sub(1)
        .and_then(|i| offered.get(i))
        .ok_or_else(|| format!("there is no button {n} (the reply has {})", offered.len()))?;
    println!("\n== clicking [{n}] {}", button.label);
    let clicked = click(options, message, button).await?;
    println!("HTTP {}", clicked.status);
    for post in &clicked.posted {
        // Slack shows an update in place; a terminal shows what it changed.
        if post.progress {
            print_with_buttons(&render::changes(message, &post.message));
        } else {
            print_with_buttons(&post.message);
        }
    }
    if clicked.status != 200 || clicked.posted.is_empty() {
        return Err("the click was not answered".into());
    }
    Ok(clicked.posted.into_iter().map(|p| p.message).collect())
}

/// While the latest reply has buttons, asks which to click and reads the
/// answer from `input` (the terminal); Enter, or the end of input, stops.
pub async fn offer_buttons(
    options: &SendOptions,
    mut messages: Vec<Value>,
    mut input: impl AsyncBufRead + Unpin,
) -> Result<(), String> {
    while let Some((_, offered)) = last_with_buttons(&messages) {
        print!("\nClick a button (1-{}), or Enter to stop: ", offered.len());
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        input
            .read_line(&mut line)
            .await
            .map_err(|e| format!("cannot read the terminal: {e}"))?;
        let typed = line.trim();
        if typed.is_empty() {
            return Ok(());
        }
        match typed.parse::<usize>() {
            Ok(n) => match click_nth(options, &messages, n).await {
                Ok(posted) => messages = posted,
                Err(error) => eprintln!("{error}"),
            },
            Err(_) => eprintln!("type a button's number, or Enter to stop"),
        }
    }
    Ok(())
}
