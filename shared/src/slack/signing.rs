//! Verifying requests from Slack: `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}`
//! with the app's signing secret, timestamp within 5 minutes, constant-time compare.

use emrbot_domain::secret::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far Slack's timestamp may be from our clock, either way.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Slack-Request-Timestamp header")]
    MissingTimestamp,
    #[error("missing X-Slack-Signature header")]
    MissingSignature,
    #[error("X-Slack-Request-Timestamp is not a Unix time")]
    BadTimestamp,
    #[error("request timestamp is more than 5 minutes from now")]
    Stale,
    #[error("X-Slack-Signature is not of the form v0=<64 hex digits>")]
    Malformed,
    #[error("signature does not match")]
    Mismatch,
}

pub struct SlackVerifier {
    secret: Secret<String>,
}

impl SlackVerifier {
    pub fn new(secret: Secret<String>) -> Self {
        Self { secret }
    }

    /// Checks one request. `now` is Unix seconds; pass the real clock in
    /// production and a pinned one in tests.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let timestamp = timestamp.ok_or(SignatureError::MissingTimestamp)?.trim();
        let signature = signature.ok_or(SignatureError::MissingSignature)?.trim();
        let ts: i64 = timestamp
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        // Saturating: a timestamp near i64::MIN must not overflow (a panic in debug).
        if now.saturating_sub(ts).unsigned_abs() > MAX_SKEW_SECS as u64 {
            return Err(SignatureError::Stale);
        }
        let hex_digest = signature
            .strip_prefix("v0=")
            .ok_or(SignatureError::Malformed)?;
        let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
        if expected.len() != 32 {
            return Err(SignatureError::Malformed);
        }
        let mut mac = self.mac();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        // verify_slice compares in constant time.
        mac.verify_slice(&expected)
            .map_err(|_| SignatureError::Mismatch)
    }

    /// Signs a body as Slack would: for the local CLI and tests.
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(format!("v0:{timestamp}:").as_bytes());
        mac.update(body);
        format!("v0={}", hex::encode(mac.finalize().into_bytes()))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes keys of any length")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's documented example ("Verifying requests from Slack").
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier(secret: &str) -> SlackVerifier {
        SlackVerifier::new(Secret::new(secret.to_string()))
    }

    #[test]
    fn slacks_documented_example_verifies() {
        let now = TIMESTAMP.parse().unwrap();
        assert_eq!(
            verifier(SECRET).verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
            Ok(())
        );
        assert_eq!(verifier(SECRET).sign(now, BODY.as_bytes()), SIGNATURE);
    }

    #[test]
    fn the_window_is_five_minutes_either_way_inclusive() {
        let ts: i64 = TIMESTAMP.parse().unwrap();
        let v = verifier(SECRET);
        for now in [ts - 300, ts, ts + 300] {
            assert_eq!(
                v.verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
                Ok(()),
                "now {now}"
            );
        }
        // Header values as proxies may pass them: surrounding spaces are tolerated.
        assert_eq!(
            v.verify(
                Some(" 1531420618 "),
                Some(&format!(" {SIGNATURE}")),
                BODY.as_bytes(),
                ts
            ),
            Ok(())
        );
        // Upper-case hex is the same digest; anything not 32 bytes is malformed.
        assert_eq!(
            v.verify(
                Some(TIMESTAMP),
                Some(&SIGNATURE.to_uppercase().replacen("V0=", "v0=", 1)),
                BODY.as_bytes(),
                ts
            ),
            Ok(())
        );
        assert_eq!(
            v.verify(
                Some(TIMESTAMP),
                Some(&format!("{SIGNATURE}00")),
                BODY.as_bytes(),
                ts
            ),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some(""), BODY.as_bytes(), ts),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            v.verify(Some("-1"), Some(SIGNATURE), BODY.as_bytes(), ts),
            Err(SignatureError::Stale)
        );
        for extreme in [i64::MIN, i64::MAX] {
            let t = extreme.to_string();
            assert_eq!(
                v.verify(Some(&t), Some(SIGNATURE), BODY.as_bytes(), ts),
                Err(SignatureError::Stale)
            );
        }
        assert_eq!(
            v.verify(
                Some("99999999999999999999"),
                Some(SIGNATURE),
                BODY.as_bytes(),
                ts
            ),
            Err(SignatureError::BadTimestamp)
        );
    }

    #[test]
    fn errors_never_carry_the_secret_or_the_signature() {
        let v = verifier(SECRET);
        let error = v
            .verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                b"x",
                TIMESTAMP.parse().unwrap(),
            )
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains(SECRET) && !shown.contains(&SIGNATURE[3..]),
            "{shown}"
        );
    }

    #[test]
    fn anything_else_fails() {
        let now: i64 = TIMESTAMP.parse().unwrap();
        let v = verifier(SECRET);
        let one_second_off = (now + 1).to_string();
        assert_eq!(
            v.verify(Some(&one_second_off), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        let mut body = BODY.as_bytes().to_vec();
        body[10] ^= 1;
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some(SIGNATURE), &body, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verifier("another-secret").verify(
                Some(TIMESTAMP),
                Some(SIGNATURE),
                BODY.as_bytes(),
                now
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now - 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            v.verify(None, Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), None, BODY.as_bytes(), now),
            Err(SignatureError::MissingSignature)
        );
        assert_eq!(
            v.verify(Some("soon"), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some("v1=abc"), BODY.as_bytes(), now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            v.verify(Some(TIMESTAMP), Some("v0=zz"), BODY.as_bytes(), now),
            Err(SignatureError::Malformed)
        );
    }
}
