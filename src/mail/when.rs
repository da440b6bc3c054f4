//! A session's time as its recipient reads it, from the runtime's `Intl.DateTimeFormat`: ICU's
//! time zone database and its French and English date words, so every IANA zone converts
//! correctly (daylight saving included) without a copy of the database in the wasm.

use worker::js_sys::{Array, Date, Function, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};

use crate::domain::locale::Locale;
use crate::domain::time::{self, Instant};
use crate::domain::zone::{TimeZone, DEFAULT_ZONE};

/// `mardi 24 novembre 2026, 19:00–20:00 UTC+1 (Europe/Paris)`, or in English `Tuesday 24
/// November 2026, 19:00–20:00 GMT+1 (Europe/Paris)`. A zone the runtime does not know is shown
/// as `Europe/Paris`; should `Intl` fail altogether, the UTC times in RFC 3339.
pub fn when(locale: Locale, zone: &TimeZone, start: Instant, end: Instant) -> String {
    format_range(locale, zone.name(), start, end)
        .or_else(|| format_range(locale, DEFAULT_ZONE, start, end))
        .unwrap_or_else(|| format!("{}–{} (UTC)", time::format(start), time::format(end)))
}

fn set(options: &Object, key: &str, value: &str) -> Option<()> {
    Reflect::set(options, &key.into(), &value.into())
        .ok()
        .map(drop)
}

fn format_range(locale: Locale, zone: &str, start: Instant, end: Instant) -> Option<String> {
    let intl = Reflect::get(&worker::js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = Object::new();
    for (key, value) in [
        ("weekday", "long"),
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
        ("timeZoneName", "short"),
        ("timeZone", zone),
    ] {
        set(&options, key, value)?;
    }
    let tag = match locale {
        Locale::Fr => "fr-FR",
        Locale::En => "en-GB",
    };
    // An unknown zone makes the constructor throw a RangeError, caught here.
    let format = Reflect::construct(&constructor, &Array::of2(&tag.into(), &options)).ok()?;
    let range: Function = Reflect::get(&format, &"formatRange".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let date = |t: Instant| Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    let text = range.call2(&format, &date(start), &date(end)).ok()?;
    Some(format!("{} ({zone})", text.as_string()?))
}
