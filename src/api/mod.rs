//! The JSON API handlers, one module per feature. Each reads top to bottom:
//! extract, parse, act, shape the response; errors are `AppError`s.

pub mod catalog;
pub mod dev;
pub mod me;
pub mod page;
pub mod reservations;
pub mod sessions;
pub mod tokens;

use crate::config::Config;

/// What every handler receives: the configuration read for this request.
pub struct AppState {
    pub config: Config,
}
