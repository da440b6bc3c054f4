//! The language a user is served in: French first, English for English speakers. Any language
//! tag maps to one of the two, so a user is never refused for theirs.

use serde::{Deserialize, Deserializer, Serialize};

/// `fr` or `en`: the sessions page, the Daily Prebuilt UI of a room, and what D1 stores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    /// The locale of a BCP 47 language tag: English for `en` and `en-*` (any case, `_` or `-`),
    /// French for anything else, a missing or empty tag included.
    pub fn from_tag(tag: Option<&str>) -> Self {
        let primary = tag
            .unwrap_or_default()
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::Fr
        }
    }

    /// The code the API, Daily and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

/// Reads any JSON value with the fallback of [`Locale::from_tag`]: a tag, `null`, or something
/// that is not even a string (French). Never an error.
impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = serde_json::Value::deserialize(deserializer)?;
        Ok(Locale::from_tag(tag.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_tags_are_english_and_everything_else_french() {
        for (tag, locale) in [
            (Some("en"), Locale::En),
            (Some("EN"), Locale::En),
            (Some("en-GB"), Locale::En),
            (Some("en_US"), Locale::En),
            (Some(" en "), Locale::En),
            (Some("fr"), Locale::Fr),
            (Some("fr-CA"), Locale::Fr),
            (Some("de"), Locale::Fr),
            (Some("eng"), Locale::Fr),
            (Some(""), Locale::Fr),
            (None, Locale::Fr),
        ] {
            assert_eq!(Locale::from_tag(tag), locale, "{tag:?}");
        }
    }

    #[test]
    fn reads_from_json_without_ever_failing() {
        let read = |json: &str| serde_json::from_str::<Locale>(json).unwrap();
        assert_eq!(read(r#""en-GB""#), Locale::En);
        assert_eq!(read(r#""de""#), Locale::Fr);
        assert_eq!(read("null"), Locale::Fr);
        assert_eq!(read("42"), Locale::Fr);
        assert_eq!(read(r#"{"lang":"en"}"#), Locale::Fr);
        assert_eq!(serde_json::to_value(Locale::En).unwrap(), "en");
    }
}
