//! The JSON API handlers, one module per feature. Each reads top to bottom:
//! extract, parse, act, shape the response; errors are `AppError`s.

pub mod catalog;
pub mod dev;
pub mod me;
pub mod page;
pub mod reservations;
pub mod sessions;
pub mod tokens;
pub mod views;

use std::rc::Rc;

use worker::Env;

use crate::config::{Config, DailyConfig};
use crate::db::{self, reservations::ReservationRow};
use crate::domain::ids::{ReservationId, UserId};
use crate::error::AppError;

/// What every handler receives: the bindings, the configuration, and the route's parameter.
pub struct Ctx {
    pub env: Env,
    pub config: Rc<Config>,
    /// The `:id` or `:coachId` segment of the route, when it has one.
    pub param: Option<String>,
}

impl Ctx {
    /// The Daily settings, or the error that names what is missing.
    pub fn daily(&self) -> Result<&DailyConfig, AppError> {
        self.config
            .daily
            .as_ref()
            .map_err(|e| AppError::DailyNotConfigured(e.clone()))
    }
}

/// The reservation named by the `:id` route parameter, if `user` takes part in it. Anything else
/// (a malformed id, an unknown one, someone else's) is the same 404, so existence never leaks.
pub async fn reservation_of(ctx: &Ctx, user: &UserId) -> Result<ReservationRow, AppError> {
    let id = ctx
        .param
        .as_deref()
        .and_then(ReservationId::parse)
        .ok_or(AppError::ReservationNotFound)?;
    let db = db::database(&ctx.env)?;
    db::reservations::find_for_participant(&db, id, user)
        .await?
        .ok_or(AppError::ReservationNotFound)
}
