//! A user's time zone, for the times mails show: an IANA name (`Europe/Paris`,
//! `America/Sao_Paulo`) from the session token's `zoneinfo` claim, `Europe/Paris` when there is
//! none. Here a name is only checked for its shape; the runtime's time zone database (ICU, through
//! `Intl.DateTimeFormat`) knows which zones exist and converts times (`mail::when`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The zone of users who have not said theirs.
pub const DEFAULT_ZONE: &str = "Europe/Paris";

/// An IANA time zone name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone(String);

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(DEFAULT_ZONE.to_owned())
    }
}

impl TimeZone {
    /// A name shaped like an IANA zone: `Area/Location[/More]` or `UTC`, ASCII letters, digits,
    /// `_`, `+` and `-`, at most 64 characters. `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        let part_ok = |part: &str| {
            !part.is_empty()
                && part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
        };
        let shaped = name.len() <= 64 && (name == "UTC" || name.split('/').count() >= 2);
        (shaped && name.split('/').all(part_ok)).then(|| TimeZone(name.to_owned()))
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What D1 stores reads back as that zone, or the default if it is not shaped like one.
impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(TimeZone::parse(&name).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_shaped_names_are_kept_and_others_refused() {
        for name in [
            "Europe/Paris",
            "America/Sao_Paulo",
            "America/Argentina/Buenos_Aires",
            "UTC",
            "Etc/GMT+3",
        ] {
            assert_eq!(TimeZone::parse(name).unwrap().name(), name);
        }
        for bad in [
            "",
            "Paris",
            "Europe/",
            "/Paris",
            "Europe/Paris\"",
            "Europe/Par is",
            "../etc/passwd",
        ] {
            assert_eq!(TimeZone::parse(bad), None, "{bad}");
        }
        let read: TimeZone = serde_json::from_value("<script>".into()).unwrap();
        assert_eq!(read.name(), "Europe/Paris");
    }
}
