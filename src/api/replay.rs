//! An archived recording streamed from R2, as a video player wants it: byte ranges for seeking
//! (`Range`, `206`, `416`), and revalidation by ETag (`If-None-Match`, `304`). The body goes
//! from the bucket to the client as a stream, without entering wasm.

use std::ops::RangeInclusive;

use http_range_header::{parse_range_header, RangeUnsatisfiableError};
use worker::{console_warn, Env, Headers, Range, Response};

use crate::http::Request;

use crate::archive::BUCKET;
use crate::error::AppError;

/// Replays never change under their URL, but access to them may end: browsers may keep them
/// for an hour, shared caches never.
const CACHE_CONTROL: &str = "private, max-age=3600";

/// An archived object: its key, and its size and ETag as recorded when it was archived.
pub struct Archived<'a> {
    pub key: String,
    pub size: u64,
    pub etag: &'a str,
}

/// The answer to a GET or HEAD of an archived recording; `None` when the bucket has no such
/// object after all (the caller then falls back to Daily).
pub async fn serve(
    req: &Request,
    env: &Env,
    object: &Archived<'_>,
) -> Result<Option<Response>, AppError> {
    let headers = req.headers();
    if let Some(tags) = headers.get("If-None-Match")? {
        if none_match(&tags, object.etag) {
            let mut response = Response::empty()?.with_status(304);
            set_common(response.headers_mut(), object)?;
            return Ok(Some(response));
        }
    }
    let range = match headers.get("Range")? {
        Some(range) if if_range_holds(&headers, object.etag)? => {
            requested_range(&range, object.size)?
        }
        _ => None,
    };
    let bucket = env.bucket(BUCKET)?;
    let mut get = bucket.get(&object.key);
    if let Some(range) = &range {
        get = get.range(Range::OffsetWithLength {
            offset: *range.start(),
            length: range.end() - range.start() + 1,
        });
    }
    let Some(found) = get.execute().await? else {
        console_warn!("replay: {} is archived but not in the bucket", object.key);
        return Ok(None);
    };
    let Some(body) = found.body() else {
        return Ok(None);
    };
    let mut response = Response::from_body(body.response_body()?)?;
    let out = response.headers_mut();
    set_common(out, object)?;
    out.set("Content-Type", "video/mp4")?;
    match &range {
        Some(range) => {
            out.set(
                "Content-Length",
                &(range.end() - range.start() + 1).to_string(),
            )?;
            out.set(
                "Content-Range",
                &format!("bytes {}-{}/{}", range.start(), range.end(), object.size),
            )?;
            Ok(Some(response.with_status(206)))
        }
        None => {
            out.set("Content-Length", &object.size.to_string())?;
            Ok(Some(response))
        }
    }
}

fn set_common(headers: &mut Headers, object: &Archived<'_>) -> worker::Result<()> {
    headers.set("Accept-Ranges", "bytes")?;
    headers.set("ETag", object.etag)?;
    headers.set("Cache-Control", CACHE_CONTROL)
}

/// Whether `If-None-Match` matches the ETag (weak comparison, as RFC 9110 says for it).
fn none_match(header: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == bare)
}

/// `If-Range`, if sent, must name the current ETag (strongly) for `Range` to apply; a date or
/// another tag means the whole object.
fn if_range_holds(headers: &Headers, etag: &str) -> worker::Result<bool> {
    Ok(headers
        .get("If-Range")?
        .is_none_or(|tag| tag.trim() == etag))
}

/// The one range a `Range` header asks for within `size` bytes. A header that is not a valid
/// byte range, or asks for several ranges, is ignored (the whole object, `200`), as RFC 9110
/// allows; one that asks only for bytes past the end is `416`. A suffix longer than the object
/// means all of it.
fn requested_range(header: &str, size: u64) -> Result<Option<RangeInclusive<u64>>, AppError> {
    let Ok(parsed) = parse_range_header(header) else {
        return Ok(None);
    };
    match parsed.validate(size) {
        Ok(ranges) if ranges.len() == 1 && size > 0 => Ok(ranges.into_iter().next()),
        Ok(_) | Err(RangeUnsatisfiableError::FileSuffixOutOfBounds) if size > 0 => Ok(None),
        Err(RangeUnsatisfiableError::OverlappingRanges) => Ok(None),
        _ => Err(AppError::RangeNotSatisfiable { size }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_a_player_sends() {
        let size = 1000;
        assert_eq!(requested_range("bytes=0-99", size).unwrap(), Some(0..=99));
        assert_eq!(
            requested_range("bytes=500-599", size).unwrap(),
            Some(500..=599)
        );
        assert_eq!(
            requested_range("bytes=900-", size).unwrap(),
            Some(900..=999)
        );
        assert_eq!(
            requested_range("bytes=-100", size).unwrap(),
            Some(900..=999)
        );
        // The end is cut to the object's last byte.
        assert_eq!(
            requested_range("bytes=990-5000", size).unwrap(),
            Some(990..=999)
        );
    }

    #[test]
    fn ranges_past_the_end_are_416_and_odd_ones_mean_the_whole() {
        for past in ["bytes=1000-", "bytes=1000-1001", "bytes=5000-6000"] {
            assert!(
                matches!(
                    requested_range(past, 1000),
                    Err(AppError::RangeNotSatisfiable { size: 1000 })
                ),
                "{past}"
            );
        }
        for whole in [
            "bytes=0-1,5-9",
            "items=0-9",
            "bytes=abc",
            "bytes=-2000",
            "bytes=0-5,3-9",
        ] {
            assert_eq!(requested_range(whole, 1000).unwrap(), None, "{whole}");
        }
        assert!(requested_range("bytes=0-", 0).is_err());
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = "\"abc\"";
        assert!(none_match("\"abc\"", etag));
        assert!(none_match("W/\"abc\"", etag));
        assert!(none_match("\"x\", \"abc\"", etag));
        assert!(none_match("*", etag));
        assert!(!none_match("\"abd\"", etag));
        assert!(!none_match("abc", etag));
    }
}
