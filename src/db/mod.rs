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

/// A statement of `$db` (a [`Db`]) with `?N` parameters bound in order, as workers-rs's
/// `query!` binds them, for the database or a session alike.
macro_rules! sql {
    ($db:expr, $query:expr) => {
        $crate::db::Db::prepare($db, $query)
    };
    ($db:expr, $query:expr, $($args:expr),* $(,)?) => {{
        || -> worker::Result<worker::D1PreparedStatement> {
            let prepared = $crate::db::Db::prepare($db, $query);
            // D1 takes no undefined values: missing ones are bound as NULL.
            let serializer =
                worker::d1::serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
            let bindings = &[$(
                ::serde::ser::Serialize::serialize(&$args, &serializer)
                    .map_err(|e| worker::Error::Internal(e.into()))?
            ),*];
            worker::D1PreparedStatement::bind(prepared, bindings)
        }()
    }};
}

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
use worker::{D1Database, D1DatabaseSession, D1PreparedStatement, D1Result, Env};

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

/// Rows (one object, or an array of them) as JSON text, read from JavaScript in one crossing.
fn json_of(rows: &JsValue) -> worker::Result<String> {
    Ok(String::from(JSON::stringify(rows)?))
}

/// Reads rows from their JSON text. The generic half of `first` and `all`: kept out of their
/// `async` halves, which are then compiled once rather than once per row type.
fn parse<T: DeserializeOwned>(text: &str) -> worker::Result<T> {
    serde_json::from_str(text).map_err(|e| worker::Error::RustError(format!("D1 rows: {e}")))
}

/// The first row of a query, if any.
pub async fn first<T: DeserializeOwned>(
    statement: D1PreparedStatement,
) -> worker::Result<Option<T>> {
    first_json(statement)
        .await?
        .map(|text| parse(&text))
        .transpose()
}

async fn first_json(statement: D1PreparedStatement) -> worker::Result<Option<String>> {
    count_round_trip();
    let row = JsFuture::from(statement.inner().first(None)?).await?;
    if row.is_null() || row.is_undefined() {
        return Ok(None);
    }
    json_of(&row).map(Some)
}

/// Every row of a query.
pub async fn all<T: DeserializeOwned>(statement: D1PreparedStatement) -> worker::Result<Vec<T>> {
    all_json(statement)
        .await?
        .map_or(Ok(Vec::new()), |text| parse(&text))
}

/// Every row of a query, read as two types that each take their own columns from it.
pub async fn all_twice<A: DeserializeOwned, B: DeserializeOwned>(
    statement: D1PreparedStatement,
) -> worker::Result<Vec<(A, B)>> {
    let Some(text) = all_json(statement).await? else {
        return Ok(Vec::new());
    };
    let a: Vec<A> = parse(&text)?;
    let b: Vec<B> = parse(&text)?;
    Ok(a.into_iter().zip(b).collect())
}

async fn all_json(statement: D1PreparedStatement) -> worker::Result<Option<String>> {
    count_round_trip();
    let result = JsFuture::from(statement.inner().all()?).await?;
    let rows = Reflect::get(&result, &JsValue::from_str("results"))?;
    if rows.is_null() || rows.is_undefined() {
        return Ok(None);
    }
    json_of(&rows).map(Some)
}

/// Runs a statement; returns how many rows it changed.
pub async fn run(statement: D1PreparedStatement) -> worker::Result<usize> {
    count_round_trip();
    changes(&statement.run().await?)
}

/// Several statements in one atomic round trip; returns the rows each one changed.
pub async fn batch(db: &Db, statements: Vec<D1PreparedStatement>) -> worker::Result<Vec<usize>> {
    count_round_trip();
    let results = match db {
        Db::Database(d) => d.batch(statements).await?,
        Db::Session(s) => s.batch(statements).await?,
    };
    results.iter().map(changes).collect()
}

/// `meta.changes` of a D1 result.
fn changes(result: &D1Result) -> worker::Result<usize> {
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// The database as one request sees it: D1 itself (the primary), or a D1 session, whose reads a
/// nearby replica may answer, never older than the session's bookmark.
pub enum Db {
    Database(D1Database),
    Session(D1DatabaseSession),
}

impl Db {
    pub fn prepare(&self, query: impl Into<String>) -> D1PreparedStatement {
        match self {
            Db::Database(d) => d.prepare(query),
            Db::Session(s) => s.prepare(query),
        }
    }

    /// Where the session's reads and writes have brought it: what the client sends back, so
    /// its next request reads at least that. `None` outside a session.
    pub fn bookmark(&self) -> Option<String> {
        match self {
            Db::Database(_) => None,
            Db::Session(s) => s.get_bookmark().ok().flatten().map(|b| b.to_string()),
        }
    }
}

/// The `DB` binding, on the primary.
pub fn database(env: &Env) -> Result<Db, AppError> {
    Ok(Db::Database(env.d1("DB")?))
}

/// A D1 session: `first-primary` for a request that writes; for one that only reads, from the
/// client's `bookmark` if it sent one, else `first-unconstrained` (any replica).
pub fn session(env: &Env, writes: bool, bookmark: Option<&str>) -> Result<Db, AppError> {
    let start = match (writes, bookmark) {
        (true, _) => "first-primary",
        (false, Some(bookmark)) => bookmark,
        (false, None) => "first-unconstrained",
    };
    Ok(Db::Session(env.d1("DB")?.with_session(Some(start))?))
}
