//! Who may join a session, and when: the join window of each role and the room's expiry.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::time::{Instant, Slot};

/// A participant's role in a reservation. The coach owns the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Coach,
    Player,
}

impl Role {
    /// How long before the start this role may join.
    pub fn lead_time(self) -> TimeDelta {
        match self {
            Role::Coach => TimeDelta::minutes(30),
            Role::Player => TimeDelta::minutes(15),
        }
    }

    pub fn is_owner(self) -> bool {
        self == Role::Coach
    }
}

/// How long the room stays open after the session's end.
pub fn grace_after_end() -> TimeDelta {
    TimeDelta::minutes(30)
}

/// When the Daily room expires (and ejects everyone): 30 minutes after the end.
pub fn room_expiry(slot: &Slot) -> Instant {
    slot.end() + grace_after_end()
}

/// The interval in which one role may fetch a meeting token: `[opens_at, closes_at)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWindow {
    pub opens_at: Instant,
    pub closes_at: Instant,
}

/// Why a token cannot be handed out right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    NotOpenYet { opens_at: Instant },
    Ended { closed_at: Instant },
}

impl JoinWindow {
    pub fn for_role(slot: &Slot, role: Role) -> Self {
        Self {
            opens_at: slot.start() - role.lead_time(),
            closes_at: room_expiry(slot),
        }
    }

    pub fn check(&self, now: Instant) -> Result<(), Closed> {
        if now < self.opens_at {
            Err(Closed::NotOpenYet {
                opens_at: self.opens_at,
            })
        } else if now >= self.closes_at {
            Err(Closed::Ended {
                closed_at: self.closes_at,
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_rfc3339;

    fn at(s: &str) -> Instant {
        parse_rfc3339(s).unwrap()
    }

    fn slot() -> Slot {
        Slot::new(at("2026-11-24T18:00:00Z"), at("2026-11-24T19:00:00Z")).unwrap()
    }

    #[test]
    fn coach_opens_thirty_minutes_before_player_fifteen() {
        let coach = JoinWindow::for_role(&slot(), Role::Coach);
        let player = JoinWindow::for_role(&slot(), Role::Player);
        assert_eq!(coach.opens_at, at("2026-11-24T17:30:00Z"));
        assert_eq!(player.opens_at, at("2026-11-24T17:45:00Z"));
        assert_eq!(coach.closes_at, at("2026-11-24T19:30:00Z"));
        assert_eq!(player.closes_at, coach.closes_at);
    }

    #[test]
    fn window_edges_are_inclusive_at_open_and_exclusive_at_close() {
        let player = JoinWindow::for_role(&slot(), Role::Player);
        assert_eq!(
            player.check(at("2026-11-24T17:44:59Z")),
            Err(Closed::NotOpenYet {
                opens_at: at("2026-11-24T17:45:00Z")
            })
        );
        assert_eq!(player.check(at("2026-11-24T17:45:00Z")), Ok(()));
        assert_eq!(player.check(at("2026-11-24T19:29:59Z")), Ok(()));
        assert_eq!(
            player.check(at("2026-11-24T19:30:00Z")),
            Err(Closed::Ended {
                closed_at: at("2026-11-24T19:30:00Z")
            })
        );
    }

    #[test]
    fn between_coach_and_player_opening_only_the_coach_may_join() {
        let now = at("2026-11-24T17:40:00Z");
        assert_eq!(
            JoinWindow::for_role(&slot(), Role::Coach).check(now),
            Ok(())
        );
        assert!(JoinWindow::for_role(&slot(), Role::Player)
            .check(now)
            .is_err());
    }

    #[test]
    fn room_expires_thirty_minutes_after_the_end() {
        assert_eq!(room_expiry(&slot()), at("2026-11-24T19:30:00Z"));
        assert!(Role::Coach.is_owner());
        assert!(!Role::Player.is_owner());
    }
}
