//! Human durations as users type them: `30m`, `2h`, `1h30m`, `1d`, `90s`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// A positive duration with second precision, parsed from and shown as `1h30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(u64);

/// The longest duration anyone may ask for (a lock, an extension): 30 days.
const MAX_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` is not a duration; write it like 30m, 2h or 1h30m")]
    Malformed(String),
    #[error("a duration must be longer than zero")]
    Zero,
    #[error("`{0}` is too long; the most is 30d")]
    TooLong(String),
}

impl HumanDuration {
    pub fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    pub fn from_mins(mins: u64) -> Self {
        Self(mins * 60)
    }

    pub fn as_secs(self) -> u64 {
        self.0
    }

    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(self.0 as i64)
    }
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim().to_ascii_lowercase();
        let malformed = || DurationError::Malformed(input.trim().chars().take(40).collect());
        if text.is_empty() {
            return Err(malformed());
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut last_unit_rank = usize::MAX;
        for ch in text.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let (rank, unit) = match ch {
                'd' => (3, 86_400),
                'h' => (2, 3_600),
                'm' => (1, 60),
                's' => (0, 1),
                _ => return Err(malformed()),
            };
            // Units must come largest first, each once: `1h30m`, not `30m1h` or `1h1h`.
            if digits.is_empty() || digits.len() > 6 || rank >= last_unit_rank {
                return Err(malformed());
            }
            last_unit_rank = rank;
            let value: u64 = digits.parse().map_err(|_| malformed())?;
            total = total.saturating_add(value.saturating_mul(unit));
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(malformed());
        }
        if total == 0 {
            return Err(DurationError::Zero);
        }
        if total > MAX_SECONDS {
            return Err(DurationError::TooLong(
                input.trim().chars().take(40).collect(),
            ));
        }
        Ok(Self(total))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, rest) = (self.0 / 86_400, self.0 % 86_400);
        let (h, rest) = (rest / 3_600, rest % 3_600);
        let (m, s) = (rest / 60, rest % 60);
        let mut out = String::new();
        for (value, unit) in [(d, 'd'), (h, 'h'), (m, 'm'), (s, 's')] {
            if value > 0 {
                out.push_str(&format!("{value}{unit}"));
            }
        }
        if out.is_empty() {
            out.push_str("0s");
        }
        f.write_str(&out)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Formats an elapsed span for people: `3h 12m`, `45m`, `2d 4h`.
pub fn format_elapsed(span: chrono::Duration) -> String {
    let mins = span.num_minutes().max(0);
    match (mins / 1440, (mins % 1440) / 60, mins % 60) {
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_users_type() {
        assert_eq!("30m".parse::<HumanDuration>().unwrap().as_secs(), 1800);
        assert_eq!("2h".parse::<HumanDuration>().unwrap().as_secs(), 7200);
        assert_eq!("1h30m".parse::<HumanDuration>().unwrap().as_secs(), 5400);
        assert_eq!("1D".parse::<HumanDuration>().unwrap().as_secs(), 86_400);
        assert_eq!("90s".parse::<HumanDuration>().unwrap().as_secs(), 90);
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "", "h", "30", "30x", "1h1h", "30m1h", "-5m", "1.5h", "9999999h",
        ] {
            assert!(bad.parse::<HumanDuration>().is_err(), "{bad} should fail");
        }
        assert_eq!("0m".parse::<HumanDuration>(), Err(DurationError::Zero));
        assert!(matches!(
            "31d".parse::<HumanDuration>(),
            Err(DurationError::TooLong(_))
        ));
    }

    #[test]
    fn displays_round_trip() {
        for text in ["30m", "2h", "1h30m", "1d2h", "45s"] {
            assert_eq!(text.parse::<HumanDuration>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn formats_elapsed_spans() {
        assert_eq!(format_elapsed(chrono::Duration::minutes(45)), "45m");
        assert_eq!(format_elapsed(chrono::Duration::minutes(192)), "3h 12m");
        assert_eq!(format_elapsed(chrono::Duration::minutes(3120)), "2d 4h");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = s.parse::<HumanDuration>();
        }
    }
}
