//! The pure core: identifiers, time slots, locales, request bodies, the join window and the
//! booking rules. Nothing here touches the runtime; time and ids come in as arguments.

pub mod booking;
pub mod call;
pub mod ids;
pub mod input;
pub mod listing;
pub mod locale;
pub mod pack;
pub mod reservation;
pub mod time;
pub mod webhook;
pub mod window;
pub mod zone;

/// Checks shared by the unit tests of several modules.
#[cfg(test)]
pub mod testing {
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;
    use serde::Serialize;

    /// Each text (what D1 stores and the API shows) reads as a `T` that writes it back.
    pub fn assert_round_trips<T>(texts: &[&str])
    where
        T: Serialize + DeserializeOwned + Debug,
    {
        for text in texts {
            let value: T = serde_json::from_value((*text).into()).unwrap();
            assert_eq!(serde_json::to_value(&value).unwrap(), *text, "{value:?}");
        }
    }
}
