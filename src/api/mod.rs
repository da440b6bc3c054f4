//! The JSON API handlers, one module per feature. Each reads top to bottom:
//! extract, parse, act, shape the response; errors are `AppError`s.

pub mod catalog;
pub mod dev;
pub mod me;
pub mod notifications;
pub mod packs;
pub mod page;
pub mod recordings;
mod replay;
pub mod reservations;
pub mod sessions;
pub mod tokens;
pub mod views;
pub mod webhooks;

use std::cell::RefCell;
use std::rc::Rc;

use worker::{console_warn, Env};

use crate::http::Request;

use crate::booking::idempotency::IdempotencyKey;
use crate::config::{BookingLimits, Config, DailyConfig};
use crate::db::{
    self,
    reservations::{JoinRow, ReservationRow},
};
use crate::domain::ids::{ReservationId, UserId};
use crate::error::AppError;

/// The rate limiting binding of changes (`[[ratelimits]]` in wrangler.toml).
const WRITE_LIMITER: &str = "WRITE_LIMITER";

/// The period of `WRITE_LIMITER` (its `simple.period`): how long a limited user waits at most.
const WRITE_LIMIT_PERIOD_SECONDS: u32 = 60;

/// What every handler receives: the bindings, the configuration, and the route's parameter.
pub struct Ctx {
    pub env: Env,
    pub config: Rc<Config>,
    /// The `:id` or `:coachId` segment of the route, when it has one.
    pub param: Option<String>,
    /// The second parameter (`:recordingId`), when the route has one.
    pub sub: Option<String>,
    /// The request's runtime context: work that outlives the answer goes to its `wait_until`.
    pub runtime: worker::Context,
    /// The request's D1 session, made at its first use.
    pub store: Rc<DbStore>,
}

/// How a request reaches D1 (see README, Reads from the nearest replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbMode {
    /// The database itself (Daily's webhooks, the development routes, static answers).
    Primary,
    /// A session that only reads: any replica at least as recent as the client's bookmark.
    Read,
    /// A session on the primary, for a request that writes.
    Write,
}

/// A request's D1 session, shared with the router, which answers its bookmark.
pub struct DbStore {
    pub mode: DbMode,
    /// The bookmark the client sent, if well-formed.
    pub bookmark: Option<String>,
    pub db: RefCell<Option<Rc<db::Db>>>,
}

impl DbStore {
    pub fn new(mode: DbMode, bookmark: Option<String>) -> Rc<Self> {
        Rc::new(Self {
            mode,
            bookmark,
            db: RefCell::new(None),
        })
    }

    /// The session's bookmark once the request has used it.
    pub fn bookmark_out(&self) -> Option<String> {
        self.db.borrow().as_ref().and_then(|db| db.bookmark())
    }
}

impl Ctx {
    pub fn new(
        env: Env,
        config: Rc<Config>,
        params: Vec<String>,
        runtime: worker::Context,
        store: Rc<DbStore>,
    ) -> Self {
        let mut params = params
            .into_iter()
            .map(|p| Some(p).filter(|p| !p.is_empty()));
        Self {
            env,
            config,
            param: params.next().flatten(),
            sub: params.next().flatten(),
            runtime,
            store,
        }
    }

    /// The request's database: its D1 session (made at the first call), or the primary.
    pub fn db(&self) -> Result<Rc<db::Db>, AppError> {
        if let Some(db) = self.store.db.borrow().as_ref() {
            return Ok(db.clone());
        }
        let store = &self.store;
        let db = Rc::new(match store.mode {
            DbMode::Primary => db::database(&self.env)?,
            // A bookmark D1 will not start from (another database's, say) is dropped.
            DbMode::Read => db::session(&self.env, false, store.bookmark.as_deref())
                .or_else(|_| db::session(&self.env, false, None))?,
            DbMode::Write => db::session(&self.env, true, None)?,
        });
        *store.db.borrow_mut() = Some(db.clone());
        Ok(db)
    }

    /// The booking limits, or the error that names the misconfigured variable.
    pub fn limits(&self) -> Result<BookingLimits, AppError> {
        self.config
            .limits
            .clone()
            .map_err(AppError::LimitsNotConfigured)
    }

    /// Counts one change by `user` (booking, reschedule, cancel) against their rate limit, the
    /// `WRITE_LIMITER` binding: `429 rate_limited` past it. Without the binding (a deployment
    /// that lacks it), changes are not limited and each one says so in the log.
    pub async fn limit_writes(&self, user: &UserId) -> Result<(), AppError> {
        let limiter = match self.env.rate_limiter(WRITE_LIMITER) {
            Ok(limiter) => limiter,
            Err(e) => {
                console_warn!("no {WRITE_LIMITER} binding, changes are not rate limited: {e}");
                return Ok(());
            }
        };
        if limiter.limit(user.to_string()).await?.success {
            Ok(())
        } else {
            Err(AppError::RateLimited {
                retry_after: WRITE_LIMIT_PERIOD_SECONDS,
            })
        }
    }

    /// The Daily settings, or the error that names what is missing.
    pub fn daily(&self) -> Result<&DailyConfig, AppError> {
        self.config
            .daily
            .as_ref()
            .map_err(|e| AppError::DailyNotConfigured(e.clone()))
    }
}

/// The request's `Idempotency-Key`, if it sent one (`400 invalid_idempotency_key` if malformed).
pub fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, AppError> {
    match req.headers().get("Idempotency-Key")? {
        None => Ok(None),
        Some(raw) => IdempotencyKey::parse(&raw)
            .map(Some)
            .map_err(|_| AppError::InvalidIdempotencyKey),
    }
}

/// The reservation id of the `:id` route parameter; a malformed one is `404`, as an unknown one.
fn reservation_param(ctx: &Ctx) -> Result<ReservationId, AppError> {
    ctx.param
        .as_deref()
        .and_then(ReservationId::parse)
        .ok_or(AppError::ReservationNotFound)
}

/// The reservation named by the `:id` route parameter, if `user` takes part in it. Anything else
/// (a malformed id, an unknown one, someone else's) is the same 404, so existence never leaks.
pub async fn reservation_of(ctx: &Ctx, user: &UserId) -> Result<ReservationRow, AppError> {
    let id = reservation_param(ctx)?;
    let db = ctx.db()?;
    db::reservations::find_for_participant(&db, id, user)
        .await?
        .ok_or(AppError::ReservationNotFound)
}

/// What joining the reservation of the `:id` route parameter needs, if `user` takes part in it;
/// the same 404 as `reservation_of` otherwise.
pub async fn joining(ctx: &Ctx, user: &UserId) -> Result<JoinRow, AppError> {
    let id = reservation_param(ctx)?;
    let db = ctx.db()?;
    db::reservations::find_for_joining(&db, id, user)
        .await?
        .ok_or(AppError::ReservationNotFound)
}
