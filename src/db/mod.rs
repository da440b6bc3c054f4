//! D1 access: all SQL lives here, one module per aggregate, functions named by intent.
//! Times are stored as unix seconds (INTEGER) everywhere.

pub mod catalog;
pub mod idempotency;
pub mod reservations;
pub mod users;

use std::cell::Cell;

use serde::de::DeserializeOwned;
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Array, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement, Env};

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

/// Every D1 call goes through these, so every round trip is counted.
pub trait Statement {
    async fn first_row<T: DeserializeOwned>(&self) -> worker::Result<Option<T>>;
    async fn all_rows<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>>;
    /// Runs a statement; returns how many rows it changed.
    async fn execute(&self) -> worker::Result<usize>;
}

/// Rows cross from JS to Rust as one JSON string, parsed by serde_json: one call across the
/// boundary per result instead of one or two per column (what `first`/`results` do through
/// serde-wasm-bindgen), which measurably shortens the token path (BENCHMARKS.md).
fn from_js<T: DeserializeOwned>(value: &JsValue) -> worker::Result<T> {
    let text = String::from(JSON::stringify(value)?);
    serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("D1 row: {e}")))
}

fn field(object: &JsValue, name: &str) -> worker::Result<JsValue> {
    Ok(Reflect::get(object, &JsValue::from_str(name))?)
}

/// `meta.changes` of a D1 result: the rows a statement changed.
fn changes(result: &JsValue) -> worker::Result<usize> {
    let changes = field(&field(result, "meta")?, "changes")?;
    Ok(changes.as_f64().unwrap_or(0.0) as usize)
}

impl Statement for D1PreparedStatement {
    async fn first_row<T: DeserializeOwned>(&self) -> worker::Result<Option<T>> {
        count_round_trip();
        let row = JsFuture::from(self.inner().first(None)?).await?;
        from_js(&row)
    }

    async fn all_rows<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>> {
        count_round_trip();
        let result = JsFuture::from(self.inner().all()?).await?;
        let rows = field(&result, "results")?;
        if rows.is_undefined() || rows.is_null() {
            return Ok(Vec::new());
        }
        from_js(&rows)
    }

    async fn execute(&self) -> worker::Result<usize> {
        count_round_trip();
        changes(&JsFuture::from(self.inner().run()?).await?)
    }
}

/// Several statements in one atomic round trip; returns the rows each one changed.
pub async fn batch(
    db: &D1Database,
    statements: Vec<D1PreparedStatement>,
) -> worker::Result<Vec<usize>> {
    count_round_trip();
    let statements: Array = statements.iter().map(|s| s.inner().clone()).collect();
    let db: &worker::worker_sys::D1Database = db.as_ref().unchecked_ref();
    let results: Array = JsFuture::from(db.batch(statements)?).await?.dyn_into()?;
    results.iter().map(|result| changes(&result)).collect()
}

/// The `DB` binding.
pub fn database(env: &Env) -> Result<D1Database, AppError> {
    Ok(env.d1("DB")?)
}
