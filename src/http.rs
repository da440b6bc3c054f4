//! HTTP plumbing of the shell: the clock, JSON bodies in and out, the session token of a
//! request, and turning an `AppError` into its JSON response.

use std::future::Future;

use futures_util::StreamExt;

use serde::Serialize;
use worker::worker_sys::web_sys;
use worker::{console_error, ByteStream, Headers, Response, ResponseBody, Url};

use crate::auth::{self, AuthError, Identity};
use crate::config::Config;
use crate::domain::input::InputError;
use crate::domain::time::{from_unix, Instant};
use crate::error::AppError;

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The session cookie set by the platform (and by the development sign-in).
pub const SESSION_COOKIE: &str = "edgemy_session";

/// A request to the API Worker: the runtime's own `Request`, read through the few accessors the
/// handlers use. workers-rs's `worker::Request` reads the request's `cf` object when it is made,
/// and the runtime builds that object on first access: in the CPU profile it was the largest
/// single cost of a `/healthz` answer (BENCHMARKS.md). No handler of ours reads `cf`.
pub struct Request {
    inner: web_sys::Request,
    /// The URL, read from the runtime once: the router, the HSTS header and the query all use it.
    url: String,
}

/// The entry point's request (`#[event(fetch)]` converts the runtime's through this).
impl worker::FromRequest for Request {
    fn from_raw(
        inner: web_sys::Request,
    ) -> std::result::Result<Self, impl Into<Box<dyn std::error::Error>>> {
        let url = inner.url();
        Ok::<_, worker::Error>(Self { inner, url })
    }
}

impl Request {
    /// The request's headers (a handle on the runtime's, not a copy).
    pub fn headers(&self) -> Headers {
        Headers(self.inner.headers())
    }

    /// The method, as the client sent it (upper case for the standard ones).
    pub fn method(&self) -> String {
        self.inner.method()
    }

    /// The whole URL, parsed.
    pub fn url(&self) -> worker::Result<Url> {
        Ok(Url::parse(&self.url)?)
    }

    /// Whether the URL is an `https:` one.
    pub fn is_https(&self) -> bool {
        self.url.starts_with("https:")
    }

    /// The path of the URL, without its query.
    pub fn path(&self) -> &str {
        path_of(&self.url)
    }

    /// Whether the request has a body at all.
    pub fn has_body(&self) -> bool {
        self.inner.body().is_some()
    }

    /// The body as a stream of chunks, if there is one.
    pub fn stream(&self) -> Option<ByteStream> {
        self.inner.body().map(ByteStream::from)
    }

    /// The request as workers-rs's type, for the APIs that take one (the Static Assets
    /// binding). This reads `cf`.
    pub fn into_worker(self) -> worker::Request {
        self.inner.into()
    }
}

/// The path of a URL as the runtime serializes it (WHATWG): it begins at the first `/` after the
/// host, and a `?` or `#` in it is always percent-encoded, so the first one ends it.
fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// The current time, cut to the whole second (the clock has milliseconds; the API does not),
/// from the runtime's clock: `Date.now()`, one call, where chrono's `Utc::now()` makes a `Date`
/// object and asks it.
pub fn now() -> Instant {
    from_unix((worker::js_sys::Date::now() / 1000.0).floor() as i64)
}

/// A JSON response. API answers are personal, so no cache may keep them.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, AppError> {
    let body = serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(json_text(status, body)?)
}

/// A JSON response from its text, sent as is, never cached.
pub fn json_text(status: u16, body: String) -> worker::Result<Response> {
    // `from_body`, not `from_bytes`, which would first set an `application/octet-stream` type.
    let mut response =
        Response::from_body(ResponseBody::Body(body.into_bytes()))?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// The response of an error: its status, its JSON body, and a log line for server faults.
pub fn error_response(err: &AppError) -> worker::Result<Response> {
    if let Some(detail) = err.log_detail() {
        console_error!("{} {}: {}", err.status(), err.code(), detail);
    }
    let mut response = json_text(err.status(), err.body().to_string())?;
    let headers = response.headers_mut();
    if let Some(seconds) = err.retry_after() {
        headers.set("Retry-After", &seconds.to_string())?;
    }
    if let Some(allow) = err.allow() {
        headers.set("Allow", allow)?;
    }
    if let Some(range) = err.content_range() {
        headers.set("Content-Range", &range)?;
    }
    Ok(response)
}

/// Runs a handler and answers its error, if any, as JSON.
pub async fn respond(
    handler: impl Future<Output = Result<Response, AppError>>,
) -> worker::Result<Response> {
    match handler.await {
        Ok(response) => Ok(response),
        Err(err) => error_response(&err),
    }
}

/// Reads a request body as it streams in, refusing it (413) as soon as it passes `limit`
/// bytes, without reading the rest. `None` when the request has no body.
pub async fn read_body(req: &Request, limit: usize) -> Result<Option<Vec<u8>>, AppError> {
    let too_large = AppError::PayloadTooLarge { limit };
    let declared = req
        .headers()
        .get("Content-Length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let Some(mut chunks) = req.stream() else {
        return Ok(None);
    };
    let mut body = Vec::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| AppError::InvalidJson)?;
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// The JSON body of a request (at most `MAX_BODY_BYTES`).
pub async fn read_json(req: &Request) -> Result<serde_json::Value, AppError> {
    let body = read_body(req, MAX_BODY_BYTES)
        .await?
        .ok_or(AppError::InvalidJson)?;
    serde_json::from_slice(&body).map_err(|_| AppError::InvalidJson)
}

/// The body of a request that may have none: nothing, an empty body, or a JSON object (whose
/// fields are not used). Anything else is refused rather than ignored.
pub async fn read_optional_object(req: &Request) -> Result<(), AppError> {
    match read_body(req, MAX_BODY_BYTES).await? {
        None => Ok(()),
        Some(body) if body.is_empty() => Ok(()),
        // Anything else must be JSON, and whitespace alone is not (RFC 8259: a JSON text is a
        // value): `400 invalid_json`, as for any other body that does not parse.
        Some(body) => match serde_json::from_slice(&body) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            Ok(_) => Err(InputError::NotAnObject.into()),
            Err(_) => Err(AppError::InvalidJson),
        },
    }
}

/// Where a browser says a request comes from (its `Origin` header), as the API sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// No `Origin` header: not a browser's cross-origin request.
    Absent,
    /// The Worker's own origin: our own pages.
    Own,
    /// An origin listed in `ALLOWED_ORIGINS`, which gets CORS headers.
    Listed(String),
    /// Any other origin.
    Foreign,
}

impl Origin {
    /// Reads `Origin`; the request's own URL is parsed only when there is one to compare.
    fn of(req: &Request, config: &Config) -> worker::Result<Self> {
        let Some(origin) = req.headers().get("Origin")? else {
            return Ok(Origin::Absent);
        };
        let origin = origin.trim().to_ascii_lowercase();
        Ok(if origin == req.url()?.origin().ascii_serialization() {
            Origin::Own
        } else if config.allowed_origins.contains(&origin) {
            Origin::Listed(origin)
        } else {
            Origin::Foreign
        })
    }
}

/// What a state-changing request must show before anything runs: it comes from our own pages
/// or an origin listed in `ALLOWED_ORIGINS`, never from another site, and its body, if any, is
/// JSON. A form post from another site can carry the session cookie; it can carry neither JSON
/// nor our origin.
pub fn check_write(req: &Request, origin: &Origin, body_optional: bool) -> Result<(), AppError> {
    let cross_site = || -> worker::Result<bool> {
        let site = req.headers().get("Sec-Fetch-Site")?;
        Ok(site.is_some_and(|site| site.eq_ignore_ascii_case("cross-site")))
    };
    match origin {
        Origin::Foreign => return Err(AppError::CrossSiteRequest),
        Origin::Listed(_) => {}
        Origin::Absent | Origin::Own if cross_site()? => return Err(AppError::CrossSiteRequest),
        Origin::Absent | Origin::Own => {}
    }
    let content_type = req.headers().get("Content-Type")?;
    let is_json = content_type.as_deref().is_some_and(|value| {
        let media_type = value.split(';').next().unwrap_or_default().trim();
        media_type.eq_ignore_ascii_case("application/json")
    });
    let empty = !req.has_body() || req.headers().get("Content-Length")?.as_deref() == Some("0");
    let no_body = content_type.is_none() && empty;
    if is_json || (body_optional && no_body) {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

/// Headers every answer carries: no MIME sniffing, no referrer, HSTS on HTTPS, and CORS for an
/// origin listed in `ALLOWED_ORIGINS`. Read from the request, once, before it is handled.
pub struct Finishing {
    https: bool,
    origin: Origin,
}

impl Finishing {
    pub fn of(req: &Request, config: &Config) -> worker::Result<Self> {
        Ok(Self {
            https: req.is_https(),
            origin: Origin::of(req, config)?,
        })
    }

    /// Where the request comes from, for `check_write`.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn apply(&self, response: &mut Response) -> worker::Result<()> {
        let headers = response.headers_mut();
        headers.set("X-Content-Type-Options", "nosniff")?;
        headers.set("Referrer-Policy", "no-referrer")?;
        if self.https {
            headers.set("Strict-Transport-Security", HSTS)?;
        }
        if let Origin::Listed(origin) = &self.origin {
            for (name, value) in cors_headers(origin) {
                headers.set(name, &value)?;
            }
        }
        Ok(())
    }
}

/// HTTPS only, for a year, subdomains included.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// What a listed origin may do: send credentials and our headers, read our answers' headers.
fn cors_headers(origin: &str) -> [(&'static str, String); 6] {
    [
        ("Access-Control-Allow-Origin", origin.to_owned()),
        ("Access-Control-Allow-Credentials", "true".into()),
        (
            "Access-Control-Allow-Methods",
            "GET, HEAD, POST, PATCH".into(),
        ),
        (
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, Idempotency-Key, X-D1-Bookmark".into(),
        ),
        (
            "Access-Control-Expose-Headers",
            "Location, Retry-After, Idempotent-Replayed, X-D1-Bookmark".into(),
        ),
        ("Vary", "Origin".into()),
    ]
}

/// The cookie that may carry a D1 bookmark, for clients that keep it as a cookie.
pub const BOOKMARK_COOKIE: &str = "edgemy_d1_bookmark";

/// The D1 bookmark a client sends back (`X-D1-Bookmark`, else the `edgemy_d1_bookmark`
/// cookie), if it is shaped as D1 writes them (`00000085-0000024c-00004e25-` and 32 more hex
/// digits). Anything else is ignored, as if none was sent.
pub fn d1_bookmark(req: &Request) -> Option<String> {
    let headers = req.headers();
    let sent = headers.get("X-D1-Bookmark").ok().flatten().or_else(|| {
        let cookies = headers.get("Cookie").ok()??;
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == BOOKMARK_COOKIE).then(|| value.to_owned())
        })
    })?;
    let sent = sent.trim();
    let parts: Vec<&str> = sent.split('-').collect();
    let shaped = parts.iter().map(|p| p.len()).eq([8, 8, 8, 32])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()));
    shaped.then(|| sent.to_owned())
}

/// The session token: `Authorization: Bearer …` first, else the `edgemy_session` cookie.
fn session_token(req: &Request) -> Option<String> {
    let headers = req.headers();
    if let Ok(Some(value)) = headers.get("Authorization") {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    let cookies = headers.get("Cookie").ok()??;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then(|| value.to_owned())
    })
}

/// The signed-in user of a request, or 401.
pub fn identity(req: &Request, config: &Config, now: Instant) -> Result<Identity, AppError> {
    let auth_config = config
        .auth
        .as_ref()
        .map_err(|e| AppError::AuthNotConfigured(e.clone()))?;
    let token = session_token(req).ok_or(AppError::Unauthenticated(AuthError::Missing))?;
    auth::verify(&token, auth_config, now).map_err(AppError::Unauthenticated)
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn the_path_of_a_url_ends_at_its_query_or_fragment() {
        for (url, path) in [
            ("https://sessions.edgemy.fr/healthz", "/healthz"),
            (
                "http://127.0.0.1:8787/reservations/abc/daily-token?x=1",
                "/reservations/abc/daily-token",
            ),
            ("https://edgemy.fr", "/"),
            ("https://edgemy.fr/?session=1", "/"),
            ("https://edgemy.fr/api/me#top", "/api/me"),
            ("https://edgemy.fr/a%3Fb/c", "/a%3Fb/c"),
        ] {
            assert_eq!(path_of(url), path, "{url}");
        }
    }
}
