//! Idempotency-Key for `POST /reservations` (pure rules), after Stripe and the IETF draft
//! "The Idempotency-Key HTTP Header Field": a key of up to 255 characters, scoped to the caller;
//! the same key and body replay the first answer; another body under the same key is refused.

use sha2::{Digest, Sha256};

/// A key as the client sent it: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Idempotency-Key must be 1 to 255 visible ASCII characters")]
pub struct InvalidKey;

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, InvalidKey> {
        let ok = !raw.is_empty() && raw.len() <= 255 && raw.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The fingerprint of a request body: SHA-256 of its canonical JSON (object keys sorted, no
/// whitespace), so the same data sent twice matches whatever its formatting.
pub fn fingerprint(body: &serde_json::Value) -> String {
    let canonical = serde_json::to_string(body).expect("a JSON value always serializes");
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long keys are kept (at least): 24 hours.
pub const RETENTION_SECONDS: i64 = 24 * 3600;

/// A claim still without an answer this long after it was made belongs to a request that died
/// on the way (an instance stopped, a connection dropped): a booking waits for Daily at most
/// `DAILY_DEADLINE_MS`, one minute at most, before it answers. A retry then takes the claim over
/// instead of hearing "in use" until the key is purged.
pub const ABANDONED_AFTER_SECONDS: i64 = 120;

/// Whether a claim made at `claimed_at` (unix seconds), still without an answer, is abandoned.
pub fn is_abandoned(claimed_at: i64, now: i64) -> bool {
    now - claimed_at >= ABANDONED_AFTER_SECONDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_claim_without_an_answer_is_abandoned_after_two_minutes() {
        let claimed = 1_795_543_200;
        assert!(!is_abandoned(claimed, claimed));
        assert!(!is_abandoned(claimed, claimed + 119));
        assert!(is_abandoned(claimed, claimed + 120));
        assert!(is_abandoned(claimed, claimed + RETENTION_SECONDS));
    }

    #[test]
    fn keys_are_1_to_255_visible_ascii() {
        assert!(IdempotencyKey::parse("b7c1f6c2-0f3e-4d55-9a61-2f0c7c1d9e10").is_ok());
        assert!(IdempotencyKey::parse(&"k".repeat(255)).is_ok());
        assert_eq!(IdempotencyKey::parse(&"k".repeat(256)), Err(InvalidKey));
        assert_eq!(IdempotencyKey::parse(""), Err(InvalidKey));
        assert_eq!(IdempotencyKey::parse("has space"), Err(InvalidKey));
        assert_eq!(IdempotencyKey::parse("clé"), Err(InvalidKey));
    }

    #[test]
    fn fingerprints_ignore_formatting_and_key_order_but_not_values() {
        let a: serde_json::Value = serde_json::from_str(r#"{"b": 1, "a": "x"}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str("{\n  \"a\":\"x\",\"b\":1}").unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&json!({"a": "x", "b": 2})));
        assert_eq!(fingerprint(&a).len(), 64);
    }
}
