//! The rules of outbound HTTP (pure): what an answer's status means, and when and how long to
//! wait before retrying: exponential backoff with full jitter, a few attempts at most, within a
//! total deadline. Only transient failures (429, 5xx, timeouts, connection errors) are retried;
//! a 4xx never is, and redirects are not followed.

use std::time::Duration;

/// What an answer's status means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 2xx: the answer, still to be read.
    Success,
    /// 429 or 5xx: the service is overloaded or failing; worth retrying.
    Transient,
    /// Any other 4xx (and 1xx): the service refuses this request; retrying changes nothing.
    Permanent,
    /// A redirect (never followed) or anything a JSON API does not answer.
    Malformed,
}

/// The class of an HTTP status.
pub fn classify(status: u16) -> Class {
    match status {
        200..=299 => Class::Success,
        429 | 500..=599 => Class::Transient,
        300..=399 => Class::Malformed,
        100..=199 | 400..=499 => Class::Permanent,
        _ => Class::Malformed,
    }
}

/// The answer of the last attempt: its status and body text, whatever the status.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn class(&self) -> Class {
        classify(self.status)
    }
}

/// No answer at all. Never carries the request (its headers hold credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("{0}")]
    Connection(String),
}

/// The limits of one logical call to another service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
    /// How long all attempts and waits together may take.
    pub deadline: Duration,
    /// Attempts at most, the first included.
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles at each retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(3),
            deadline: Duration::from_secs(6),
            max_attempts: 4,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (after `attempt` failed, counting from 1), given a
    /// uniform random number in `[0, 1)`: "full jitter", uniform in `[0, min(max, base·2^(n-1))]`.
    pub fn backoff(&self, attempt: u32, random: f64) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        exp.min(self.max_backoff).mul_f64(random.clamp(0.0, 1.0))
    }

    /// Whether to try again after `attempt` attempts failed, the last one `transient`ly,
    /// `elapsed` into the call; `Some(wait)` if so. The next attempt must still fit in the
    /// deadline.
    pub fn next_wait(
        &self,
        transient: bool,
        attempt: u32,
        elapsed: Duration,
        random: f64,
    ) -> Option<Duration> {
        if !transient || attempt >= self.max_attempts {
            return None;
        }
        let wait = self.backoff(attempt, random);
        (elapsed + wait < self.deadline).then_some(wait)
    }

    /// The time left for an attempt that starts `elapsed` into the call.
    pub fn attempt_budget(&self, elapsed: Duration) -> Duration {
        self.attempt_timeout
            .min(self.deadline.saturating_sub(elapsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_is_jittered() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.999_999).as_millis(), 99);
        assert_eq!(p.backoff(2, 0.5), MS(100));
        assert_eq!(p.backoff(3, 0.5), MS(200));
        assert_eq!(p.backoff(10, 1.0), MS(2000), "capped");
        assert_eq!(p.backoff(3, 0.0), MS(0), "full jitter reaches zero");
        assert_eq!(p.backoff(40, 1.0), MS(2000), "no overflow");
    }

    #[test]
    fn statuses_are_classified() {
        for (status, class) in [
            (200, Class::Success),
            (204, Class::Success),
            (429, Class::Transient),
            (500, Class::Transient),
            (503, Class::Transient),
            (400, Class::Permanent),
            (401, Class::Permanent),
            (404, Class::Permanent),
            (302, Class::Malformed),
            (0, Class::Malformed),
            (600, Class::Malformed),
        ] {
            assert_eq!(classify(status), class, "{status}");
        }
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let p = RetryPolicy::default();
        assert!(p.next_wait(true, 1, MS(0), 0.5).is_some());
        assert_eq!(p.next_wait(false, 1, MS(0), 0.5), None);
    }

    #[test]
    fn attempts_and_deadline_bound_the_retries() {
        let p = RetryPolicy::default();
        assert!(p.next_wait(true, 3, MS(0), 0.5).is_some());
        assert_eq!(
            p.next_wait(true, 4, MS(0), 0.5),
            None,
            "four attempts at most"
        );
        assert_eq!(
            p.next_wait(true, 1, MS(5_990), 0.9),
            None,
            "past the deadline"
        );
        assert_eq!(p.attempt_budget(MS(0)), Duration::from_secs(3));
        assert_eq!(p.attempt_budget(MS(4_000)), Duration::from_secs(2));
        assert_eq!(p.attempt_budget(MS(7_000)), MS(0));
    }
}
