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

/// Declares a row struct and its [`FromRow`]: each field is read from the column of its name.
macro_rules! row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl $crate::db::FromRow for $name {
            fn from_row(mut row: $crate::db::Row) -> worker::Result<Self> {
                Ok(Self {
                    $($field: row.get(stringify!($field))?),*
                })
            }
        }
    };
}

pub mod catalog;
pub mod idempotency;
pub mod reservations;
pub mod users;

use std::cell::Cell;

use serde_json::{Map, Value};
use wasm_bindgen_futures::JsFuture;
use worker::js_sys::{Array, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement, Env};

use crate::daily::rooms::Lang;
use crate::domain::video::VideoStatus;
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
    async fn first_row<T: FromRow>(&self) -> worker::Result<Option<T>>;
    async fn all_rows<T: FromRow>(&self) -> worker::Result<Vec<T>>;
    /// Runs a statement; returns how many rows it changed.
    async fn execute(&self) -> worker::Result<usize>;
}

/// One result row, read column by column: `row.get("start_at")?`.
pub struct Row(Map<String, Value>);

/// A type read out of a [`Row`].
pub trait FromRow: Sized {
    fn from_row(row: Row) -> worker::Result<Self>;
}

/// A type one column holds.
pub trait Column: Sized {
    fn from_column(value: Value) -> Option<Self>;
}

impl Row {
    /// The value of column `name`, or an error naming the column.
    pub fn get<T: Column>(&mut self, name: &str) -> worker::Result<T> {
        let value = self.0.remove(name).unwrap_or(Value::Null);
        T::from_column(value)
            .ok_or_else(|| worker::Error::RustError(format!("D1 row: unexpected {name}")))
    }
}

impl Column for String {
    fn from_column(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Column for i64 {
    fn from_column(value: Value) -> Option<Self> {
        value.as_i64()
    }
}

impl Column for u16 {
    fn from_column(value: Value) -> Option<Self> {
        value.as_u64().and_then(|n| n.try_into().ok())
    }
}

impl<T: Column> Column for Option<T> {
    fn from_column(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            value => T::from_column(value).map(Some),
        }
    }
}

impl Column for Lang {
    fn from_column(value: Value) -> Option<Self> {
        Lang::parse(value.as_str()?)
    }
}

impl Column for VideoStatus {
    fn from_column(value: Value) -> Option<Self> {
        VideoStatus::parse(value.as_str()?)
    }
}

/// Rows cross from JS to Rust as one JSON string, parsed by serde_json: one call across the
/// boundary per result instead of one or two per column (what `first`/`results` do through
/// serde-wasm-bindgen), which measurably shortens the token path (BENCHMARKS.md). Neither the
/// parsing nor the awaits are generic over the row's type; only `FromRow` is.
fn rows_from_js(value: &JsValue) -> worker::Result<Vec<Row>> {
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
        .map(|row| match row {
            Value::Object(columns) => Ok(Row(columns)),
            _ => Err(worker::Error::RustError("D1 row: not an object".into())),
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

async fn first(statement: &D1PreparedStatement) -> worker::Result<Option<Row>> {
    count_round_trip();
    let row = JsFuture::from(statement.inner().first(None)?).await?;
    Ok(rows_from_js(&row)?.pop())
}

async fn all(statement: &D1PreparedStatement) -> worker::Result<Vec<Row>> {
    count_round_trip();
    let result = JsFuture::from(statement.inner().all()?).await?;
    rows_from_js(&field(&result, "results")?)
}

impl Statement for D1PreparedStatement {
    async fn first_row<T: FromRow>(&self) -> worker::Result<Option<T>> {
        first(self).await?.map(T::from_row).transpose()
    }

    async fn all_rows<T: FromRow>(&self) -> worker::Result<Vec<T>> {
        all(self).await?.into_iter().map(T::from_row).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    row! {
        struct Sample {
            id: String,
            start_at: i64,
            locale: Lang,
            status: VideoStatus,
            room: Option<String>,
            response_status: Option<u16>,
        }
    }

    fn row(value: Value) -> Row {
        match value {
            Value::Object(columns) => Row(columns),
            _ => unreachable!(),
        }
    }

    #[test]
    fn rows_read_each_column_by_name() {
        let sample = Sample::from_row(row(json!({
            "id": "r1", "start_at": 1_795_543_200, "locale": "en", "status": "ready",
            "room": null, "response_status": 201, "extra": "ignored",
        })))
        .unwrap();
        assert_eq!(sample.id, "r1");
        assert_eq!(sample.start_at, 1_795_543_200);
        assert_eq!(sample.locale, Lang::En);
        assert_eq!(sample.status, VideoStatus::Ready);
        assert_eq!(sample.room, None);
        assert_eq!(sample.response_status, Some(201));
    }

    #[test]
    fn a_missing_or_mistyped_column_is_an_error_naming_it() {
        let missing = Sample::from_row(row(json!({"id": "r1"}))).err().unwrap();
        assert!(missing.to_string().contains("start_at"), "{missing}");
        let mistyped = Sample::from_row(row(json!({
            "id": "r1", "start_at": "soon", "locale": "en", "status": "ready",
        })))
        .err()
        .unwrap();
        assert!(mistyped.to_string().contains("start_at"), "{mistyped}");
        let unknown = Sample::from_row(row(json!({
            "id": "r1", "start_at": 1, "locale": "de", "status": "ready",
        })))
        .err()
        .unwrap();
        assert!(unknown.to_string().contains("locale"), "{unknown}");
    }
}
