//! D1 access: all SQL lives here, one module per aggregate, functions named by intent.
//! Times are stored as unix seconds (INTEGER) everywhere.

/// `db.prepare(sql).bind(args)`: a statement with its `?N` parameters bound, each argument
/// through [`Param`]. (worker's own `query!` binds through serde-wasm-bindgen, whose
/// serializer weighs about 5 KB of wasm for what is here a few conversions.)
macro_rules! query {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::db::prepare($db, $sql, &[$($crate::db::Param::to_js(&$arg)),*])
    };
}

pub mod catalog;
pub mod idempotency;
pub mod reservations;
pub mod users;

use std::cell::Cell;

use serde_json::Value;
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Array, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement, Env};

use crate::daily::rooms::Lang;
use crate::error::AppError;
use crate::json::{FromObject, Object};

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

/// A value bound to a statement parameter. D1 takes JS numbers for integers; every integer
/// stored here (unix seconds, counters, limits) is far inside the 2^53 they hold exactly.
pub trait Param {
    fn to_js(&self) -> JsValue;
}

impl Param for str {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl Param for String {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl Param for i64 {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(*self as f64)
    }
}

impl Param for u16 {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(f64::from(*self))
    }
}

impl Param for u32 {
    fn to_js(&self) -> JsValue {
        JsValue::from_f64(f64::from(*self))
    }
}

impl Param for Lang {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self.as_str())
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn to_js(&self) -> JsValue {
        (**self).to_js()
    }
}

impl<T: Param> Param for Option<T> {
    fn to_js(&self) -> JsValue {
        self.as_ref().map_or(JsValue::NULL, Param::to_js)
    }
}

/// A prepared statement with its parameters bound (see `query!`).
pub fn prepare(
    db: &D1Database,
    sql: &str,
    args: &[JsValue],
) -> worker::Result<D1PreparedStatement> {
    db.prepare(sql).bind(args)
}

/// Every D1 call goes through these, so every round trip is counted.
pub trait Statement {
    async fn first_row<T: FromObject>(&self) -> worker::Result<Option<T>>;
    async fn all_rows<T: FromObject>(&self) -> worker::Result<Vec<T>>;
    /// Runs a statement; returns how many rows it changed.
    async fn execute(&self) -> worker::Result<usize>;
}

/// Rows cross from JS to Rust as one JSON string, parsed by serde_json: one call across the
/// boundary per result instead of one or two per column (what `first`/`results` do through
/// serde-wasm-bindgen), which measurably shortens the token path (BENCHMARKS.md). Neither the
/// parsing nor the awaits are generic over the row's type; only `FromObject` is.
fn rows_from_js(value: &JsValue) -> worker::Result<Vec<Object>> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let text = String::from(JSON::stringify(value)?);
    let rows: Value = serde_json::from_str(&text)
        .map_err(|e| worker::Error::RustError(format!("D1 rows: {e}")))?;
    let rows = match rows {
        Value::Array(rows) => rows,
        row => vec![row],
    };
    rows.into_iter()
        .map(|row| {
            Object::from_value(row)
                .ok_or_else(|| worker::Error::RustError("D1 row: not an object".into()))
        })
        .collect()
}

fn field(object: &JsValue, name: &str) -> worker::Result<JsValue> {
    Ok(Reflect::get(object, &JsValue::from_str(name))?)
}

/// `meta.changes` of a D1 result: the rows a statement changed.
fn changes(result: &JsValue) -> worker::Result<usize> {
    let changes = field(&field(result, "meta")?, "changes")?;
    Ok(changes.as_f64().unwrap_or(0.0) as usize)
}

fn from_row<T: FromObject>(row: Object) -> worker::Result<T> {
    T::from_object(row).map_err(|e| worker::Error::RustError(format!("D1 row: {e}")))
}

async fn first(statement: &D1PreparedStatement) -> worker::Result<Option<Object>> {
    count_round_trip();
    let row = JsFuture::from(statement.inner().first(None)?).await?;
    Ok(rows_from_js(&row)?.pop())
}

async fn all(statement: &D1PreparedStatement) -> worker::Result<Vec<Object>> {
    count_round_trip();
    let result = JsFuture::from(statement.inner().all()?).await?;
    rows_from_js(&field(&result, "results")?)
}

impl Statement for D1PreparedStatement {
    async fn first_row<T: FromObject>(&self) -> worker::Result<Option<T>> {
        first(self).await?.map(from_row).transpose()
    }

    async fn all_rows<T: FromObject>(&self) -> worker::Result<Vec<T>> {
        all(self).await?.into_iter().map(from_row).collect()
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
