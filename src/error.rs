//! One error type for the whole API, one status mapping, one JSON body:
//! `{"error":{"code":"...","message":"...", ...details}}`.
//! Client mistakes are 4xx; server faults are 5xx with a generic message (details go to the log).

use serde_json::{json, Map, Value};

use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::daily::api::DailyError;
use crate::domain::booking::BookingError;
use crate::domain::input::InputError;
use crate::domain::listing::ParameterError;
use crate::domain::time::{self, Instant};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in to continue")]
    Unauthenticated(AuthError),
    #[error("no such resource")]
    NotFound,
    #[error("no such reservation")]
    ReservationNotFound,
    #[error("this method is not allowed here")]
    MethodNotAllowed { allow: String },
    #[error("send the request body as application/json")]
    UnsupportedMediaType,
    #[error("requests from other sites are not accepted")]
    CrossSiteRequest,
    #[error("too many changes in a short time; retry later")]
    RateLimited { retry_after: u32 },
    #[error("the request body is not valid JSON")]
    InvalidJson,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error(transparent)]
    Input(InputError),
    #[error(transparent)]
    InvalidParameter(ParameterError),
    #[error(transparent)]
    Booking(BookingError),
    #[error("no coach with active offers under this id")]
    CoachNotFound,
    #[error("only coaches have a coach session list")]
    NotACoach,
    #[error("unknown demo user")]
    UnknownDemoUser,
    #[error("the session cannot be joined yet")]
    NotOpenYet { opens_at: Instant },
    #[error("the session is over")]
    SessionEnded,
    #[error("this reservation was cancelled")]
    ReservationCancelled,
    #[error("the session has started and can no longer be moved")]
    SessionStarted,
    #[error("Idempotency-Key must be 1 to 255 visible ASCII characters")]
    InvalidIdempotencyKey,
    #[error("this Idempotency-Key was used with another request body")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyKeyInFlight,
    #[error("the video service is not configured: {0}")]
    DailyNotConfigured(ConfigError),
    #[error("sign-in is not configured: {0}")]
    AuthNotConfigured(ConfigError),
    #[error("booking limits are misconfigured: {0}")]
    LimitsNotConfigured(ConfigError),
    #[error("the video service is unavailable, try again shortly")]
    VideoUnavailable(DailyError),
    #[error("the video service refused the request")]
    VideoRejected(DailyError),
    #[error("the webhook signature could not be verified")]
    WebhookRefused,
    #[error("webhooks are not configured: {0}")]
    WebhookNotConfigured(ConfigError),
    #[error("no such recording")]
    RecordingNotFound,
    #[error("this recording is no longer available")]
    RecordingExpired,
    #[error("the requested range is outside the recording")]
    RangeNotSatisfiable { size: u64 },
    /// One session of a pack purchase is refused: the pack is not bought.
    #[error("session {index} of the pack: {error}")]
    PackSession { index: usize, error: BookingError },
    #[error("no such pack")]
    PackNotFound,
    #[error("every session of this pack is booked")]
    PackExhausted,
    #[error("this pack has expired")]
    PackExpired,
    #[error("this pack is cancelled")]
    PackCancelled,
    #[error("internal error")]
    Internal(String),
}

impl From<ParameterError> for AppError {
    fn from(e: ParameterError) -> Self {
        AppError::InvalidParameter(e)
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        AppError::Input(e)
    }
}

/// A booking refused for its body is an input error like any other.
impl From<BookingError> for AppError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Input(input) => AppError::Input(input),
            other => AppError::Booking(other),
        }
    }
}

fn input_code(e: &InputError) -> &'static str {
    match e {
        InputError::NotAnObject => "invalid_body",
        InputError::MissingField(_) => "missing_field",
        InputError::InvalidField { .. } => "invalid_field",
    }
}

impl AppError {
    pub fn status(&self) -> u16 {
        use BookingError as B;
        match self {
            AppError::Unauthenticated(_) | AppError::WebhookRefused => 401,
            AppError::RecordingNotFound => 404,
            AppError::RecordingExpired => 410,
            AppError::RangeNotSatisfiable { .. } => 416,
            AppError::PackSession { error, .. } => AppError::from(error.clone()).status(),
            AppError::PackNotFound => 404,
            AppError::PackExhausted => 409,
            AppError::PackExpired | AppError::PackCancelled => 410,
            AppError::WebhookNotConfigured(_) => 503,
            AppError::NotFound
            | AppError::ReservationNotFound
            | AppError::CoachNotFound
            | AppError::UnknownDemoUser => 404,
            AppError::MethodNotAllowed { .. } => 405,
            AppError::UnsupportedMediaType => 415,
            AppError::CrossSiteRequest => 403,
            AppError::RateLimited { .. } => 429,
            AppError::InvalidJson | AppError::InvalidIdempotencyKey => 400,
            AppError::IdempotencyKeyReused => 422,
            AppError::IdempotencyKeyInFlight | AppError::SessionStarted => 409,
            AppError::PayloadTooLarge { .. } => 413,
            AppError::Input(_) | AppError::InvalidParameter(_) => 400,
            AppError::Booking(b) => match b {
                B::Input(_) => 400,
                B::AnnouncementNotFound => 404,
                B::SlotTaken | B::TooLateToMove { .. } => 409,
                B::EmptySlot(_)
                | B::StartInPast
                | B::CoachMismatch
                | B::AnnouncementInactive
                | B::SelfBooking
                | B::StartTooFar { .. }
                | B::TooManyUpcoming { .. }
                | B::DurationMismatch { .. }
                | B::PackOffer
                | B::NotAPack
                | B::TooManySessions { .. }
                | B::AfterPackExpiry { .. } => 422,
            },
            AppError::NotACoach => 403,
            AppError::NotOpenYet { .. } => 409,
            AppError::SessionEnded | AppError::ReservationCancelled => 410,
            AppError::DailyNotConfigured(_)
            | AppError::AuthNotConfigured(_)
            | AppError::LimitsNotConfigured(_) => 503,
            AppError::VideoUnavailable(_) => 503,
            AppError::VideoRejected(_) => 502,
            AppError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        use BookingError as B;
        match self {
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::WebhookRefused => "invalid_signature",
            AppError::WebhookNotConfigured(_) => "webhook_not_configured",
            AppError::RecordingNotFound => "recording_not_found",
            AppError::RecordingExpired => "recording_expired",
            AppError::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            AppError::PackSession { error, .. } => AppError::from(error.clone()).code(),
            AppError::PackNotFound => "pack_not_found",
            AppError::PackExhausted => "pack_exhausted",
            AppError::PackExpired => "pack_expired",
            AppError::PackCancelled => "pack_cancelled",
            AppError::NotFound => "not_found",
            AppError::ReservationNotFound => "reservation_not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::CrossSiteRequest => "cross_site_request",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::InvalidJson => "invalid_json",
            AppError::InvalidIdempotencyKey => "invalid_idempotency_key",
            AppError::IdempotencyKeyReused => "idempotency_key_reused",
            AppError::IdempotencyKeyInFlight => "idempotency_key_in_use",
            AppError::SessionStarted => "session_started",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::Input(input) => input_code(input),
            AppError::InvalidParameter(_) => "invalid_parameter",
            AppError::Booking(b) => match b {
                B::Input(input) => input_code(input),
                B::EmptySlot(_) => "invalid_time_range",
                B::StartInPast => "start_in_past",
                B::StartTooFar { .. } => "start_too_far",
                B::TooManyUpcoming { .. } => "too_many_upcoming",
                B::AnnouncementNotFound => "announcement_not_found",
                B::CoachMismatch => "announcement_coach_mismatch",
                B::AnnouncementInactive => "announcement_inactive",
                B::SelfBooking => "cannot_book_self",
                B::DurationMismatch { .. } => "duration_mismatch",
                B::SlotTaken => "slot_taken",
                B::PackOffer => "pack_offer",
                B::NotAPack => "not_a_pack",
                B::TooManySessions { .. } => "too_many_sessions",
                B::AfterPackExpiry { .. } => "after_pack_expiry",
                B::TooLateToMove { .. } => "too_late_to_move",
            },
            AppError::NotACoach => "not_a_coach",
            AppError::CoachNotFound => "coach_not_found",
            AppError::UnknownDemoUser => "unknown_user",
            AppError::NotOpenYet { .. } => "not_open_yet",
            AppError::SessionEnded => "session_ended",
            AppError::ReservationCancelled => "reservation_cancelled",
            AppError::DailyNotConfigured(_) => "daily_not_configured",
            AppError::AuthNotConfigured(_) => "auth_not_configured",
            AppError::LimitsNotConfigured(_) => "booking_not_configured",
            AppError::VideoUnavailable(_) => "video_unavailable",
            AppError::VideoRejected(_) => "video_error",
            AppError::Internal(_) => "internal",
        }
    }

    /// Seconds a client should wait before retrying, when that is known.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::VideoUnavailable(_) => Some(5),
            AppError::IdempotencyKeyInFlight => Some(1),
            AppError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The size of the whole, for the `Content-Range` header of a 416.
    pub fn content_range(&self) -> Option<String> {
        match self {
            AppError::RangeNotSatisfiable { size } => Some(format!("bytes */{size}")),
            _ => None,
        }
    }

    /// The methods a path answers, for the `Allow` header of a 405.
    pub fn allow(&self) -> Option<&str> {
        match self {
            AppError::MethodNotAllowed { allow } => Some(allow),
            _ => None,
        }
    }

    /// What the log should say: the full cause for server faults, nothing for client mistakes.
    pub fn log_detail(&self) -> Option<String> {
        match self {
            AppError::Internal(d) => Some(d.clone()),
            AppError::VideoUnavailable(e) | AppError::VideoRejected(e) => Some(e.to_string()),
            AppError::DailyNotConfigured(e)
            | AppError::AuthNotConfigured(e)
            | AppError::LimitsNotConfigured(e)
            | AppError::WebhookNotConfigured(e) => Some(e.to_string()),
            _ => None,
        }
    }

    fn message(&self) -> String {
        match self {
            // Say which variable to set; never its value.
            AppError::DailyNotConfigured(e) => format!(
                "the video service is not configured: {e}; set it with `wrangler secret put` (or in .dev.vars)"
            ),
            AppError::AuthNotConfigured(e) => format!("sign-in is not configured: {e}"),
            other => other.to_string(),
        }
    }

    fn details(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        match self {
            AppError::Input(
                InputError::MissingField(field) | InputError::InvalidField { field, .. },
            )
            | AppError::Booking(BookingError::Input(
                InputError::MissingField(field) | InputError::InvalidField { field, .. },
            )) => {
                extra.insert("field".into(), json!(field));
            }
            AppError::InvalidParameter(ParameterError { field, .. }) => {
                extra.insert("field".into(), json!(field));
            }
            AppError::NotOpenYet { opens_at } => {
                extra.insert("opensAt".into(), json!(time::format(*opens_at)));
            }
            AppError::Booking(BookingError::StartTooFar { latest, .. }) => {
                extra.insert("latestStart".into(), json!(time::format(*latest)));
            }
            AppError::Booking(BookingError::TooManyUpcoming { limit }) => {
                extra.insert("limit".into(), json!(limit));
            }
            AppError::RangeNotSatisfiable { size } => {
                extra.insert("size".into(), json!(size));
            }
            AppError::PackSession { index, error } => {
                extra.extend(AppError::from(error.clone()).details());
                extra.insert("index".into(), json!(index));
                if !extra.contains_key("field")
                    && matches!(
                        error,
                        BookingError::StartInPast | BookingError::StartTooFar { .. }
                    )
                {
                    extra.insert(
                        "field".into(),
                        json!(format!("sessions[{index}].startDate")),
                    );
                }
            }
            AppError::Booking(BookingError::TooManySessions { size }) => {
                extra.insert("limit".into(), json!(size));
            }
            AppError::Booking(BookingError::TooLateToMove { hours }) => {
                extra.insert("limit".into(), json!(hours));
            }
            AppError::Booking(BookingError::AfterPackExpiry { expires_at }) => {
                extra.insert("expiresAt".into(), json!(time::format(*expires_at)));
            }
            AppError::DailyNotConfigured(
                ConfigError::Missing(name) | ConfigError::Invalid { name, .. },
            )
            | AppError::AuthNotConfigured(
                ConfigError::Missing(name) | ConfigError::Invalid { name, .. },
            )
            | AppError::LimitsNotConfigured(
                ConfigError::Missing(name) | ConfigError::Invalid { name, .. },
            )
            | AppError::WebhookNotConfigured(
                ConfigError::Missing(name) | ConfigError::Invalid { name, .. },
            ) => {
                extra.insert("variable".into(), json!(name));
            }
            _ => {}
        }
        extra
    }

    /// The JSON body of this error.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code()));
        error.insert("message".into(), json!(self.message()));
        error.extend(self.details());
        json!({ "error": error })
    }
}

/// One error of each kind, so tests can go through every code the API can answer.
#[cfg(test)]
pub fn examples() -> Vec<AppError> {
    use crate::domain::time::from_unix;
    let config = || ConfigError::Missing("X");
    let booking = [
        BookingError::EmptySlot(crate::domain::time::EmptySlot),
        BookingError::StartInPast,
        BookingError::StartTooFar {
            latest: from_unix(0),
            days: 1,
        },
        BookingError::TooManyUpcoming { limit: 1 },
        BookingError::AnnouncementNotFound,
        BookingError::CoachMismatch,
        BookingError::AnnouncementInactive,
        BookingError::SelfBooking,
        BookingError::DurationMismatch {
            expected: 60,
            got: 30,
        },
        BookingError::SlotTaken,
        BookingError::PackOffer,
        BookingError::NotAPack,
        BookingError::TooManySessions { size: 5 },
        BookingError::AfterPackExpiry {
            expires_at: from_unix(0),
        },
        BookingError::TooLateToMove { hours: 24 },
    ];
    let mut all = vec![
        AppError::Unauthenticated(AuthError::Missing),
        AppError::NotFound,
        AppError::ReservationNotFound,
        AppError::MethodNotAllowed {
            allow: "GET".into(),
        },
        AppError::UnsupportedMediaType,
        AppError::CrossSiteRequest,
        AppError::RateLimited { retry_after: 60 },
        AppError::InvalidJson,
        AppError::PayloadTooLarge { limit: 1 },
        AppError::Input(InputError::NotAnObject),
        AppError::Input(InputError::MissingField("f".into())),
        AppError::Input(InputError::InvalidField {
            field: "f".into(),
            reason: "r".into(),
        }),
        AppError::InvalidParameter(ParameterError {
            field: "limit",
            reason: "r",
        }),
        AppError::CoachNotFound,
        AppError::NotACoach,
        AppError::UnknownDemoUser,
        AppError::NotOpenYet {
            opens_at: from_unix(0),
        },
        AppError::SessionEnded,
        AppError::ReservationCancelled,
        AppError::SessionStarted,
        AppError::InvalidIdempotencyKey,
        AppError::IdempotencyKeyReused,
        AppError::IdempotencyKeyInFlight,
        AppError::DailyNotConfigured(config()),
        AppError::AuthNotConfigured(config()),
        AppError::LimitsNotConfigured(config()),
        AppError::VideoUnavailable(DailyError::RateLimited),
        AppError::VideoRejected(DailyError::RateLimited),
        AppError::WebhookRefused,
        AppError::WebhookNotConfigured(config()),
        AppError::RecordingNotFound,
        AppError::RecordingExpired,
        AppError::RangeNotSatisfiable { size: 1 },
        AppError::PackSession {
            index: 1,
            error: BookingError::SlotTaken,
        },
        AppError::PackNotFound,
        AppError::PackExhausted,
        AppError::PackExpired,
        AppError::PackCancelled,
        AppError::Internal("x".into()),
    ];
    all.extend(booking.into_iter().map(AppError::Booking));
    for e in &all {
        // A new kind of error fails to compile here until it has an example above.
        match e {
            AppError::Unauthenticated(_)
            | AppError::NotFound
            | AppError::ReservationNotFound
            | AppError::MethodNotAllowed { .. }
            | AppError::UnsupportedMediaType
            | AppError::CrossSiteRequest
            | AppError::RateLimited { .. }
            | AppError::InvalidJson
            | AppError::PayloadTooLarge { .. }
            | AppError::Input(_)
            | AppError::InvalidParameter(_)
            | AppError::Booking(_)
            | AppError::CoachNotFound
            | AppError::NotACoach
            | AppError::UnknownDemoUser
            | AppError::NotOpenYet { .. }
            | AppError::SessionEnded
            | AppError::ReservationCancelled
            | AppError::SessionStarted
            | AppError::InvalidIdempotencyKey
            | AppError::IdempotencyKeyReused
            | AppError::IdempotencyKeyInFlight
            | AppError::DailyNotConfigured(_)
            | AppError::AuthNotConfigured(_)
            | AppError::LimitsNotConfigured(_)
            | AppError::VideoUnavailable(_)
            | AppError::VideoRejected(_)
            | AppError::WebhookRefused
            | AppError::WebhookNotConfigured(_)
            | AppError::RecordingNotFound
            | AppError::RecordingExpired
            | AppError::RangeNotSatisfiable { .. }
            | AppError::PackSession { .. }
            | AppError::PackNotFound
            | AppError::PackExhausted
            | AppError::PackExpired
            | AppError::PackCancelled
            | AppError::Internal(_) => {}
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_rfc3339;

    #[test]
    fn client_mistakes_are_4xx_with_their_own_codes() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AppError::InvalidJson, 400, "invalid_json"),
            (
                InputError::MissingField("coachId".into()).into(),
                400,
                "missing_field",
            ),
            (
                BookingError::Input(InputError::NotAnObject).into(),
                400,
                "invalid_body",
            ),
            (BookingError::StartInPast.into(), 422, "start_in_past"),
            (
                BookingError::AnnouncementNotFound.into(),
                404,
                "announcement_not_found",
            ),
            (BookingError::SlotTaken.into(), 409, "slot_taken"),
            (AppError::SessionEnded, 410, "session_ended"),
            (
                AppError::Unauthenticated(AuthError::Missing),
                401,
                "unauthenticated",
            ),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status(), status, "{code}");
            assert_eq!(err.code(), code);
            assert_eq!(err.body()["error"]["code"], code);
        }
    }

    #[test]
    fn not_open_yet_says_when_it_opens() {
        let opens_at = parse_rfc3339("2026-11-24T17:45:00Z").unwrap();
        let body = AppError::NotOpenYet { opens_at }.body();
        assert_eq!(body["error"]["opensAt"], "2026-11-24T17:45:00Z");
    }

    #[test]
    fn missing_daily_key_names_the_variable() {
        let err = AppError::DailyNotConfigured(ConfigError::Missing("DAILY_API_KEY"));
        assert_eq!(err.status(), 503);
        let body = err.body();
        assert_eq!(body["error"]["code"], "daily_not_configured");
        assert_eq!(body["error"]["variable"], "DAILY_API_KEY");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("DAILY_API_KEY"));
    }

    #[test]
    fn server_faults_do_not_leak_details() {
        let err = AppError::Internal("D1_ERROR: no such table: reservations".into());
        assert_eq!(err.status(), 500);
        assert_eq!(err.body()["error"]["message"], "internal error");
        assert!(err.log_detail().unwrap().contains("no such table"));
    }
}
