//! Configuration, read once per request from the Worker's vars and secrets into typed values.
//! Pure: the shell passes a lookup function, so the rules are tested natively.

use std::fmt;

use std::time::Duration;

use jwt_compact::alg::Hs256Key;

use crate::domain::ids::RoomPrefix;
use crate::outbound::policy::RetryPolicy;

/// A secret string whose `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A secret that also keys HS256 tokens (the session-token secret, the Daily API key): the
/// jwt-compact key is made once, when the configuration is read (once per isolate).
#[derive(Clone)]
pub struct SigningKey {
    secret: Secret,
    key: Hs256Key,
}

impl SigningKey {
    pub fn new(value: String) -> Self {
        Self {
            key: Hs256Key::new(value.as_bytes()),
            secret: Secret::new(value),
        }
    }

    pub fn expose(&self) -> &str {
        self.secret.expose()
    }

    /// The key jwt-compact signs and verifies with.
    pub fn hs256(&self) -> &Hs256Key {
        &self.key
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.secret == other.secret
    }
}

impl Eq for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.secret.fmt(f)
    }
}

pub const DEFAULT_DAILY_API_BASE_URL: &str = "https://api.daily.co/v1";
pub const DEFAULT_PLATFORM_LOGIN_URL: &str = "https://edgemy.fr/connexion";
pub const DEFAULT_BREVO_API_BASE_URL: &str = "https://api.brevo.com/v3";

/// A required setting that is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// What verifying session tokens needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub jwt_key: SigningKey,
    pub issuer: String,
    pub audience: String,
}

/// What talking to Daily needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyConfig {
    pub api_key: SigningKey,
    pub base_url: String,
    pub domain_id: Option<String>,
    pub room_prefix: RoomPrefix,
    pub retry: RetryPolicy,
    /// Cloud recording (`DAILY_RECORDING=cloud`, a paid Daily feature): rooms allow it and the
    /// coach's token may start it. Off by default.
    pub recording: bool,
}

impl DailyConfig {
    /// Daily's `download_link` when it is a URL we may fetch or send a browser to: https, or
    /// the stand-in's own origin when the API base points at a local stand-in. (Daily may put
    /// an error message in that field.)
    pub fn download_url(&self, link: &str) -> Option<worker::Url> {
        let url = worker::Url::parse(link).ok()?;
        let standin = self
            .standin_origin()
            .is_some_and(|origin| url.origin().ascii_serialization() == origin);
        (url.scheme() == "https" || standin).then_some(url)
    }

    /// The origin of a Daily stand-in, when the API base is not Daily's own: its room pages are
    /// framed by the sessions page, so the page's CSP must allow them.
    pub fn standin_origin(&self) -> Option<&str> {
        if self.base_url.starts_with("https://api.daily.co") {
            return None;
        }
        let after_scheme = self.base_url.find("://")? + 3;
        let end = self.base_url[after_scheme..]
            .find('/')
            .map_or(self.base_url.len(), |i| after_scheme + i);
        Some(&self.base_url[..end])
    }
}

/// How much one player may book: caps against floods of bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingLimits {
    /// Confirmed reservations not yet over that one player may hold (`MAX_UPCOMING_PER_PLAYER`).
    pub max_upcoming: u32,
    /// How far ahead a session may start (`BOOKING_HORIZON_DAYS`).
    pub horizon_days: u32,
    /// A pack's session cancelled more than this many hours before its start gives its credit
    /// back (`PACK_REFUND_HOURS`).
    pub pack_refund_hours: u32,
}

impl Default for BookingLimits {
    fn default() -> Self {
        Self {
            max_upcoming: 20,
            horizon_days: 180,
            pack_refund_hours: 24,
        }
    }
}

/// Sending e-mail through Brevo (the jobs Worker): on when `BREVO_API_KEY` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    pub api_key: Secret,
    /// `BREVO_API_BASE_URL`, without a trailing slash.
    pub base_url: String,
    /// The sender (`MAIL_FROM_EMAIL`, `MAIL_FROM_NAME`).
    pub from_email: String,
    pub from_name: String,
    /// The sessions page that mails link to (`APP_URL`), without a trailing slash.
    pub app_url: String,
    /// How long before a session its reminder goes out (`REMINDER_MINUTES`).
    pub reminder_minutes: u32,
    pub retry: RetryPolicy,
}

/// What becomes of recordings once Daily has them: archived to R2, kept so long, and perhaps
/// deleted at Daily once safe in R2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchivePolicy {
    /// Days from a recording's start after which its archived copy is deleted
    /// (`RECORDING_RETENTION_DAYS`).
    pub retention_days: u32,
    /// Delete the recording at Daily once archived (`DAILY_DELETE_AFTER_ARCHIVE=true`).
    pub delete_at_daily: bool,
}

impl Default for ArchivePolicy {
    fn default() -> Self {
        Self {
            retention_days: 365,
            delete_at_daily: false,
        }
    }
}

/// The whole configuration. Each part fails on its own, so a missing Daily key does not
/// stop sign-in or the session lists from working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub auth: Result<AuthConfig, ConfigError>,
    pub daily: Result<DailyConfig, ConfigError>,
    pub limits: Result<BookingLimits, ConfigError>,
    pub webhook: Result<WebhookKeys, ConfigError>,
    pub archive: Result<ArchivePolicy, ConfigError>,
    /// `Ok(None)`: mail is off (no `BREVO_API_KEY`).
    pub mail: Result<Option<MailConfig>, ConfigError>,
    /// How long before a session its reminder is due (`REMINDER_MINUTES`): what changes queue
    /// their mails with, whether or not this Worker sends them.
    pub reminder_minutes: Result<u32, ConfigError>,
    /// Origins other than the Worker's own that may call the API from a browser
    /// (`ALLOWED_ORIGINS`, comma-separated), as `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    pub dev_login: bool,
    /// Where the sessions page sends signed-out users.
    pub login_url: String,
    /// Report D1 round trips per request in `X-D1-Round-Trips` (for benchmarks).
    pub instrument: bool,
}

impl Config {
    /// Builds the configuration from a lookup of variable names (vars and secrets alike).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Self {
            auth: auth_config(&get),
            daily: daily_config(&get),
            limits: booking_limits(&get),
            webhook: webhook_keys(&get),
            archive: archive_policy(&get),
            mail: mail_config(&get),
            reminder_minutes: reminder_minutes(&get),
            allowed_origins: get("ALLOWED_ORIGINS")
                .map(|list| origins(&list))
                .unwrap_or_default(),
            dev_login: get("DEV_LOGIN").as_deref() == Some("true"),
            login_url: get("PLATFORM_LOGIN_URL")
                .unwrap_or_else(|| DEFAULT_PLATFORM_LOGIN_URL.to_owned()),
            instrument: get("INSTRUMENT").as_deref() == Some("true"),
        }
    }
}

/// A variable that must be set.
fn require(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    get(name).ok_or(ConfigError::Missing(name))
}

fn auth_config(get: &impl Fn(&str) -> Option<String>) -> Result<AuthConfig, ConfigError> {
    Ok(AuthConfig {
        jwt_key: SigningKey::new(require(get, "AUTH_JWT_SECRET")?),
        issuer: require(get, "AUTH_ISSUER")?,
        audience: require(get, "AUTH_AUDIENCE")?,
    })
}

/// A number of milliseconds from 1 to 60000, or `default` when unset.
fn millis(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    let Some(raw) = get(name) else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| (1..=60_000).contains(ms))
        .map(Duration::from_millis)
        .ok_or(ConfigError::Invalid {
            name,
            reason: "must be a number of milliseconds from 1 to 60000".into(),
        })
}

/// A whole number from `range`, or `default` when unset.
fn count(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    range: std::ops::RangeInclusive<u32>,
    default: u32,
) -> Result<u32, ConfigError> {
    let Some(raw) = get(name) else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            name,
            reason: format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        })
}

fn booking_limits(get: &impl Fn(&str) -> Option<String>) -> Result<BookingLimits, ConfigError> {
    let defaults = BookingLimits::default();
    Ok(BookingLimits {
        max_upcoming: count(
            get,
            "MAX_UPCOMING_PER_PLAYER",
            1..=1000,
            defaults.max_upcoming,
        )?,
        horizon_days: count(get, "BOOKING_HORIZON_DAYS", 1..=3650, defaults.horizon_days)?,
        pack_refund_hours: count(
            get,
            "PACK_REFUND_HOURS",
            0..=8760,
            defaults.pack_refund_hours,
        )?,
    })
}

/// An http(s) URL from `name`, or `default`, without a trailing slash.
fn http_url(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let url = get(name)
        .unwrap_or_else(|| default.to_owned())
        .trim()
        .trim_end_matches('/')
        .to_owned();
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(ConfigError::Invalid {
            name,
            reason: "must be an http(s) URL".into(),
        })
    }
}

fn reminder_minutes(get: &impl Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
    count(get, "REMINDER_MINUTES", 1..=1440, 15)
}

fn mail_config(get: &impl Fn(&str) -> Option<String>) -> Result<Option<MailConfig>, ConfigError> {
    let Some(api_key) = get("BREVO_API_KEY") else {
        return Ok(None);
    };
    let from_email = require(get, "MAIL_FROM_EMAIL")?.trim().to_owned();
    if !from_email.contains('@') {
        return Err(ConfigError::Invalid {
            name: "MAIL_FROM_EMAIL",
            reason: "must be an e-mail address".into(),
        });
    }
    Ok(Some(MailConfig {
        api_key: Secret::new(api_key.trim().to_owned()),
        base_url: http_url(get, "BREVO_API_BASE_URL", DEFAULT_BREVO_API_BASE_URL)?,
        from_email,
        from_name: get("MAIL_FROM_NAME").unwrap_or_else(|| "Edgemy".to_owned()),
        app_url: http_url(get, "APP_URL", &require(get, "APP_URL")?)?,
        reminder_minutes: reminder_minutes(get)?,
        retry: RetryPolicy::default(),
    }))
}

fn archive_policy(get: &impl Fn(&str) -> Option<String>) -> Result<ArchivePolicy, ConfigError> {
    let defaults = ArchivePolicy::default();
    let delete_at_daily = match get("DAILY_DELETE_AFTER_ARCHIVE").as_deref().map(str::trim) {
        None => defaults.delete_at_daily,
        Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(ConfigError::Invalid {
                name: "DAILY_DELETE_AFTER_ARCHIVE",
                reason: "must be `true` or `false`".into(),
            })
        }
    };
    Ok(ArchivePolicy {
        retention_days: count(
            get,
            "RECORDING_RETENTION_DAYS",
            1..=36500,
            defaults.retention_days,
        )?,
        delete_at_daily,
    })
}

/// `https://a.example, https://b.example/` → the origins, as browsers send them in `Origin`.
fn origins(list: &str) -> Vec<String> {
    list.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
        .filter(|o| !o.is_empty())
        .collect()
}

fn daily_config(get: &impl Fn(&str) -> Option<String>) -> Result<DailyConfig, ConfigError> {
    let api_key = SigningKey::new(require(get, "DAILY_API_KEY")?);
    let base_url = get("DAILY_API_BASE_URL")
        .unwrap_or_else(|| DEFAULT_DAILY_API_BASE_URL.to_owned())
        .trim_end_matches('/')
        .to_owned();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(ConfigError::Invalid {
            name: "DAILY_API_BASE_URL",
            reason: "must be an http(s) URL".into(),
        });
    }
    let room_prefix = match get("ROOM_PREFIX") {
        None => RoomPrefix::default(),
        Some(raw) => RoomPrefix::parse(raw.trim()).map_err(|e| ConfigError::Invalid {
            name: "ROOM_PREFIX",
            reason: e.to_string(),
        })?,
    };
    let defaults = RetryPolicy::default();
    let retry = RetryPolicy {
        attempt_timeout: millis(get, "DAILY_TIMEOUT_MS", defaults.attempt_timeout)?,
        deadline: millis(get, "DAILY_DEADLINE_MS", defaults.deadline)?,
        ..defaults
    };
    Ok(DailyConfig {
        api_key,
        base_url,
        domain_id: get("DAILY_DOMAIN_ID"),
        room_prefix,
        retry,
        recording: recording(get)?,
    })
}

fn recording(get: &impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    match get("DAILY_RECORDING").as_deref().map(str::trim) {
        None | Some("off") => Ok(false),
        Some("cloud") => Ok(true),
        Some(_) => Err(ConfigError::Invalid {
            name: "DAILY_RECORDING",
            reason: "must be `cloud` or `off`".into(),
        }),
    }
}

/// The keys Daily's webhook signatures are checked with: the secret Daily returned as `hmac`
/// (`DAILY_WEBHOOK_SECRET`, base64 text), then the one it replaces while a rotation is under
/// way (`DAILY_WEBHOOK_SECRET_PREVIOUS`).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookKeys(Vec<Vec<u8>>);

impl WebhookKeys {
    pub fn all(&self) -> &[Vec<u8>] {
        &self.0
    }
}

impl fmt::Debug for WebhookKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookKeys({} keys, ***)", self.0.len())
    }
}

fn webhook_keys(get: &impl Fn(&str) -> Option<String>) -> Result<WebhookKeys, ConfigError> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let decode = |name: &'static str, value: String| {
        STANDARD
            .decode(value.trim())
            .ok()
            .filter(|key| !key.is_empty())
            .ok_or(ConfigError::Invalid {
                name,
                reason: "must be the base64 `hmac` value Daily returned".into(),
            })
    };
    let mut keys = vec![decode(
        "DAILY_WEBHOOK_SECRET",
        require(get, "DAILY_WEBHOOK_SECRET")?,
    )?];
    if let Some(previous) = get("DAILY_WEBHOOK_SECRET_PREVIOUS") {
        keys.push(decode("DAILY_WEBHOOK_SECRET_PREVIOUS", previous)?);
    }
    Ok(WebhookKeys(keys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn recording_is_off_unless_cloud_and_nothing_else_is_guessed() {
        let with = |v: &str| config(&[("DAILY_API_KEY", "k"), ("DAILY_RECORDING", v)]).daily;
        assert!(!config(&[("DAILY_API_KEY", "k")]).daily.unwrap().recording);
        assert!(!with("off").unwrap().recording);
        assert!(with("cloud").unwrap().recording);
        assert!(matches!(
            with("yes"),
            Err(ConfigError::Invalid {
                name: "DAILY_RECORDING",
                ..
            })
        ));
    }

    #[test]
    fn webhook_secrets_are_base64_and_the_previous_one_is_optional() {
        let keys = |pairs: &[(&str, &str)]| config(pairs).webhook;
        assert!(matches!(
            keys(&[]),
            Err(ConfigError::Missing("DAILY_WEBHOOK_SECRET"))
        ));
        let one = keys(&[("DAILY_WEBHOOK_SECRET", "c2VjcmV0")]).unwrap();
        assert_eq!(one.all(), [b"secret".to_vec()]);
        let two = keys(&[
            ("DAILY_WEBHOOK_SECRET", "c2VjcmV0"),
            ("DAILY_WEBHOOK_SECRET_PREVIOUS", "b2xk"),
        ])
        .unwrap();
        assert_eq!(two.all(), [b"secret".to_vec(), b"old".to_vec()]);
        assert!(
            !format!("{two:?}").contains("secret"),
            "Debug hides the keys"
        );
        for bad in ["not base64!", "===="] {
            assert!(matches!(
                keys(&[("DAILY_WEBHOOK_SECRET", bad)]),
                Err(ConfigError::Invalid {
                    name: "DAILY_WEBHOOK_SECRET",
                    ..
                })
            ));
        }
    }

    const FULL: &[(&str, &str)] = &[
        ("AUTH_JWT_SECRET", "s"),
        ("AUTH_ISSUER", "https://edgemy.fr"),
        ("AUTH_AUDIENCE", "edgemy-sessions"),
        ("DAILY_API_KEY", "k"),
    ];

    #[test]
    fn defaults_apply_when_optional_values_are_absent() {
        let c = config(FULL);
        let daily = c.daily.unwrap();
        assert_eq!(daily.base_url, "https://api.daily.co/v1");
        assert_eq!(daily.room_prefix, RoomPrefix::default());
        assert_eq!(daily.domain_id, None);
        assert!(!c.dev_login);
        assert!(c.auth.is_ok());
        assert_eq!(c.login_url, "https://edgemy.fr/connexion");
    }

    #[test]
    fn the_standin_origin_is_the_api_origin_unless_it_is_daily() {
        let mut pairs = FULL.to_vec();
        assert_eq!(config(&pairs).daily.unwrap().standin_origin(), None);
        pairs.push(("DAILY_API_BASE_URL", "http://127.0.0.1:8788/v1"));
        assert_eq!(
            config(&pairs).daily.unwrap().standin_origin(),
            Some("http://127.0.0.1:8788")
        );
        let mut pairs = FULL.to_vec();
        pairs.push(("DAILY_API_BASE_URL", "http://localhost:9000"));
        assert_eq!(
            config(&pairs).daily.unwrap().standin_origin(),
            Some("http://localhost:9000")
        );
    }

    #[test]
    fn overrides_are_used() {
        let mut pairs = FULL.to_vec();
        pairs.extend([
            ("DAILY_API_BASE_URL", "http://127.0.0.1:8788/v1/"),
            ("ROOM_PREFIX", "edgemy-staging"),
            ("DAILY_DOMAIN_ID", "dom-1"),
            ("DEV_LOGIN", "true"),
        ]);
        let c = config(&pairs);
        let daily = c.daily.unwrap();
        assert_eq!(daily.base_url, "http://127.0.0.1:8788/v1");
        assert_eq!(
            daily.room_prefix,
            RoomPrefix::parse("edgemy-staging").unwrap()
        );
        assert_eq!(daily.domain_id.as_deref(), Some("dom-1"));
        assert!(c.dev_login);
    }

    #[test]
    fn a_missing_daily_key_is_named_and_leaves_auth_working() {
        let c = config(&FULL[..3]);
        assert_eq!(c.daily, Err(ConfigError::Missing("DAILY_API_KEY")));
        assert!(c.auth.is_ok());
        let c = config(&[("DAILY_API_KEY", "  ")]);
        assert_eq!(c.daily, Err(ConfigError::Missing("DAILY_API_KEY")));
        assert_eq!(c.auth, Err(ConfigError::Missing("AUTH_JWT_SECRET")));
    }

    #[test]
    fn dev_login_only_for_the_exact_value_true() {
        for v in ["TRUE", "1", "yes", "false"] {
            let mut pairs = FULL.to_vec();
            pairs.push(("DEV_LOGIN", v));
            assert!(!config(&pairs).dev_login, "{v}");
        }
    }

    #[test]
    fn daily_timeouts_default_and_can_be_set() {
        let daily = config(FULL).daily.unwrap();
        assert_eq!(daily.retry, RetryPolicy::default());
        let mut pairs = FULL.to_vec();
        pairs.extend([("DAILY_TIMEOUT_MS", "250"), ("DAILY_DEADLINE_MS", "1500")]);
        let daily = config(&pairs).daily.unwrap();
        assert_eq!(daily.retry.attempt_timeout, Duration::from_millis(250));
        assert_eq!(daily.retry.deadline, Duration::from_millis(1500));
        let mut pairs = FULL.to_vec();
        pairs.push(("DAILY_TIMEOUT_MS", "soon"));
        assert!(matches!(
            config(&pairs).daily,
            Err(ConfigError::Invalid {
                name: "DAILY_TIMEOUT_MS",
                ..
            })
        ));
    }

    #[test]
    fn invalid_values_are_named() {
        let mut pairs = FULL.to_vec();
        pairs.push(("ROOM_PREFIX", "has space"));
        assert!(matches!(
            config(&pairs).daily,
            Err(ConfigError::Invalid {
                name: "ROOM_PREFIX",
                ..
            })
        ));
        let mut pairs = FULL.to_vec();
        pairs.push(("DAILY_API_BASE_URL", "api.daily.co"));
        assert!(matches!(
            config(&pairs).daily,
            Err(ConfigError::Invalid {
                name: "DAILY_API_BASE_URL",
                ..
            })
        ));
    }

    #[test]
    fn booking_limits_default_and_can_be_set() {
        assert_eq!(config(FULL).limits, Ok(BookingLimits::default()));
        let mut pairs = FULL.to_vec();
        pairs.extend([
            ("MAX_UPCOMING_PER_PLAYER", "5"),
            ("BOOKING_HORIZON_DAYS", "30"),
        ]);
        assert_eq!(
            config(&pairs).limits,
            Ok(BookingLimits {
                max_upcoming: 5,
                horizon_days: 30,
                pack_refund_hours: 24,
            })
        );
        for bad in ["0", "-1", "many", "99999"] {
            let mut pairs = FULL.to_vec();
            pairs.push(("BOOKING_HORIZON_DAYS", bad));
            assert!(
                matches!(
                    config(&pairs).limits,
                    Err(ConfigError::Invalid {
                        name: "BOOKING_HORIZON_DAYS",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn mail_is_off_without_a_key_and_needs_a_sender_and_the_app_url() {
        assert_eq!(config(FULL).mail, Ok(None));
        let mut pairs = FULL.to_vec();
        pairs.extend([
            ("BREVO_API_KEY", "xkeysib-1"),
            ("MAIL_FROM_EMAIL", "sessions@edgemy.fr"),
            ("APP_URL", "https://sessions.edgemy.fr/"),
        ]);
        let mail = config(&pairs).mail.unwrap().unwrap();
        assert_eq!(mail.base_url, "https://api.brevo.com/v3");
        assert_eq!(mail.app_url, "https://sessions.edgemy.fr");
        assert_eq!(mail.from_name, "Edgemy");
        assert_eq!(mail.reminder_minutes, 15);
        assert_eq!(format!("{:?}", mail.api_key), "Secret(***)");
        for (name, bad) in [
            ("MAIL_FROM_EMAIL", "nobody"),
            ("APP_URL", "sessions.edgemy.fr"),
            ("REMINDER_MINUTES", "0"),
        ] {
            let mut with_bad = pairs.clone();
            with_bad.push((name, bad));
            assert!(
                matches!(config(&with_bad).mail, Err(ConfigError::Invalid { name: n, .. }) if n == name),
                "{name}={bad}"
            );
        }
        let without_url: Vec<_> = pairs
            .iter()
            .filter(|(n, _)| *n != "APP_URL")
            .copied()
            .collect();
        assert!(config(&without_url).mail.is_err());
    }

    #[test]
    fn archive_policy_defaults_and_can_be_set() {
        assert_eq!(config(FULL).archive, Ok(ArchivePolicy::default()));
        assert_eq!(ArchivePolicy::default().retention_days, 365);
        assert!(!ArchivePolicy::default().delete_at_daily);
        let mut pairs = FULL.to_vec();
        pairs.extend([
            ("RECORDING_RETENTION_DAYS", "30"),
            ("DAILY_DELETE_AFTER_ARCHIVE", "true"),
        ]);
        assert_eq!(
            config(&pairs).archive,
            Ok(ArchivePolicy {
                retention_days: 30,
                delete_at_daily: true
            })
        );
        for (name, bad) in [
            ("RECORDING_RETENTION_DAYS", "0"),
            ("RECORDING_RETENTION_DAYS", "forever"),
            ("DAILY_DELETE_AFTER_ARCHIVE", "yes"),
        ] {
            let mut pairs = FULL.to_vec();
            pairs.push((name, bad));
            assert!(
                matches!(config(&pairs).archive, Err(ConfigError::Invalid { name: n, .. }) if n == name),
                "{name}={bad}"
            );
        }
    }

    #[test]
    fn allowed_origins_are_a_normalized_list() {
        assert!(config(FULL).allowed_origins.is_empty());
        let mut pairs = FULL.to_vec();
        pairs.push((
            "ALLOWED_ORIGINS",
            " https://Edgemy.fr/ ,https://app.edgemy.fr,, ",
        ));
        assert_eq!(
            config(&pairs).allowed_origins,
            ["https://edgemy.fr", "https://app.edgemy.fr"]
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let shown = format!("{:?}", config(FULL));
        assert!(shown.contains("Secret(***)"));
        assert!(!shown.contains("\"k\""));
        assert!(!shown.contains("\"s\""));
    }
}
