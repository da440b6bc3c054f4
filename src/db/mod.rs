//! D1 access: all SQL lives here, one module per aggregate, functions named by intent.
//! Times are stored as unix seconds (INTEGER) everywhere.

pub mod catalog;
pub mod idempotency;
pub mod reservations;
pub mod users;

use worker::{D1Database, Env};

use crate::error::AppError;

/// The `DB` binding.
pub fn database(env: &Env) -> Result<D1Database, AppError> {
    Ok(env.d1("DB")?)
}
