//! Identifier newtypes. Each is parsed once at the edge and trusted afterwards.

use std::fmt;

use serde::Serialize;

/// Why a piece of text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("may contain only letters, digits, '-', '_' and '.'")]
    BadCharacter,
}

const MAX_ID_LEN: usize = 64;

fn check_id(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { max: MAX_ID_LEN });
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                check_id(raw).map(|()| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// A platform user (player or coach), the `sub` of the session JWT.
    UserId
);
text_id!(
    /// A coach profile; a coach is also a user.
    CoachId
);
text_id!(
    /// A coach's offer ("annonce"): a title and a duration.
    AnnouncementId
);

/// A reservation id: a UUID v4, stored and shown hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReservationId(uuid::Uuid);

impl ReservationId {
    /// Builds an id from 16 random bytes supplied by the caller (the shell's CSPRNG).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Parses an id from a URL path; anything that is not a UUID is "not found".
    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::try_parse(raw).ok().map(Self)
    }
}

impl fmt::Display for ReservationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl Serialize for ReservationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The name of a Daily room: `[A-Za-z0-9_-]`, at most 128 characters (Daily's rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

/// A configured room prefix that cannot produce a valid room name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ROOM_PREFIX must be 1 to 64 characters from A-Z, a-z, 0-9, '-' and '_'")]
pub struct InvalidRoomPrefix;

/// The prefix every room name starts with, so rooms of several environments can share a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPrefix(String);

impl RoomPrefix {
    pub fn parse(raw: &str) -> Result<Self, InvalidRoomPrefix> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned())).ok_or(InvalidRoomPrefix)
    }

    /// The room of one reservation: deterministic, so a retried creation finds the same room.
    pub fn room_for(&self, id: ReservationId) -> RoomName {
        RoomName(format!("{}-{}", self.0, id))
    }
}

impl Default for RoomPrefix {
    fn default() -> Self {
        Self("edgemy".to_owned())
    }
}

impl RoomName {
    /// A name read back from our own records (it was valid when the room was created).
    pub fn from_stored(name: String) -> Self {
        Self(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_ids_accept_platform_ids_and_reject_the_rest() {
        assert!(UserId::parse("usr_player_demo").is_ok());
        assert!(AnnouncementId::parse("ann.demo-60").is_ok());
        assert_eq!(CoachId::parse(""), Err(IdError::Empty));
        assert_eq!(CoachId::parse("coach demo"), Err(IdError::BadCharacter));
        assert_eq!(CoachId::parse("c';--"), Err(IdError::BadCharacter));
        assert_eq!(
            UserId::parse(&"x".repeat(65)),
            Err(IdError::TooLong { max: 64 })
        );
    }

    #[test]
    fn reservation_ids_are_uuid_v4() {
        let id = ReservationId::from_random_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "4", "version nibble");
        assert_eq!(ReservationId::parse(&text), Some(id));
        assert_eq!(ReservationId::parse("not-a-uuid"), None);
    }

    #[test]
    fn room_names_are_prefix_and_reservation_id() {
        let id = ReservationId::parse("0b9d0e4e-3c8a-4d9f-9a52-6a1f7e2b5c10").unwrap();
        let room = RoomPrefix::default().room_for(id);
        assert_eq!(room.as_str(), "edgemy-0b9d0e4e-3c8a-4d9f-9a52-6a1f7e2b5c10");
        assert!(room.as_str().len() <= 128);
        assert_eq!(
            RoomPrefix::parse("edgemy-staging")
                .unwrap()
                .room_for(id)
                .as_str()
                .len(),
            51
        );
        assert_eq!(RoomPrefix::parse("bad prefix"), Err(InvalidRoomPrefix));
        assert_eq!(RoomPrefix::parse(""), Err(InvalidRoomPrefix));
    }
}
