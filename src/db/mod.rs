//! D1 access: all SQL lives here, one module per aggregate, functions named by intent.
//! Times are stored as unix seconds (INTEGER) everywhere.
//!
//! Statements are workers-rs's own (`worker::query!` binds the `?N` parameters), and rows are
//! read into derived `Deserialize` types. The four functions below are the only way a statement
//! reaches D1, so each round trip is counted (`X-D1-Round-Trips` with `INSTRUMENT`, for the
//! benchmark and the budget tests).
//!
//! A result set crosses from JavaScript as one `JSON.stringify` string that serde_json reads,
//! rather than through workers-rs's `first`/`results` (serde-wasm-bindgen, one or two crossings
//! per column): measurably less CPU per request on the token path (BENCHMARKS.md).

pub mod archive;
pub mod catalog;
pub mod idempotency;
pub mod meetings;
pub mod outbox;
pub mod packs;
pub mod reservations;
pub mod users;

use std::cell::Cell;

use serde::de::DeserializeOwned;
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Reflect, JSON};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use crate::error::AppError;

thread_local! {
    /// D1 round trips made by the request being handled (an isolate runs one at a time
    /// between awaits, so this is reset at each request and read at its end; see `lib.rs`).
    static ROUND_TRIPS: Cell<u32> = const { Cell::new(0) };
}

fn count_round_trip() {
    ROUND_TRIPS.with(|n| n.set(n.get() + 1));
}

/// Starts counting D1 round trips afresh; returns the count so far.
pub fn take_round_trips() -> u32 {
    ROUND_TRIPS.with(|n| n.replace(0))
}

/// Reads rows (one object, or an array of them) from JavaScript in one crossing.
fn from_js<T: DeserializeOwned>(rows: &JsValue) -> worker::Result<T> {
    let text = String::from(JSON::stringify(rows)?);
    serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("D1 rows: {e}")))
}

/// The first row of a query, if any.
pub async fn first<T: DeserializeOwned>(
    statement: D1PreparedStatement,
) -> worker::Result<Option<T>> {
    count_round_trip();
    let row = JsFuture::from(statement.inner().first(None)?).await?;
    if row.is_null() || row.is_undefined() {
        return Ok(None);
    }
    from_js(&row).map(Some)
}

/// Every row of a query.
pub async fn all<T: DeserializeOwned>(statement: D1PreparedStatement) -> worker::Result<Vec<T>> {
    count_round_trip();
    let result = JsFuture::from(statement.inner().all()?).await?;
    let rows = Reflect::get(&result, &JsValue::from_str("results"))?;
    if rows.is_null() || rows.is_undefined() {
        return Ok(Vec::new());
    }
    from_js(&rows)
}

/// Runs a statement; returns how many rows it changed.
pub async fn run(statement: D1PreparedStatement) -> worker::Result<usize> {
    count_round_trip();
    changes(&statement.run().await?)
}

/// Several statements in one atomic round trip; returns the rows each one changed.
pub async fn batch(
    db: &D1Database,
    statements: Vec<D1PreparedStatement>,
) -> worker::Result<Vec<usize>> {
    count_round_trip();
    db.batch(statements).await?.iter().map(changes).collect()
}

/// `meta.changes` of a D1 result.
fn changes(result: &D1Result) -> worker::Result<usize> {
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// The `DB` binding.
pub fn database(env: &Env) -> Result<D1Database, AppError> {
    Ok(env.d1("DB")?)
}
