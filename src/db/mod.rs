//! D1 access: all SQL lives here, one module per aggregate, functions named by intent.
//! Times are stored as unix seconds (INTEGER) everywhere.

pub mod catalog;
pub mod idempotency;
pub mod reservations;
pub mod users;

use std::cell::Cell;

use serde::de::DeserializeOwned;
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

/// Every D1 call goes through these, so every round trip is counted.
pub trait Statement {
    async fn first_row<T: DeserializeOwned>(&self) -> worker::Result<Option<T>>;
    async fn all_rows<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>>;
    async fn execute(&self) -> worker::Result<D1Result>;
}

impl Statement for D1PreparedStatement {
    async fn first_row<T: DeserializeOwned>(&self) -> worker::Result<Option<T>> {
        count_round_trip();
        self.first::<T>(None).await
    }

    async fn all_rows<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>> {
        count_round_trip();
        self.all().await?.results::<T>()
    }

    async fn execute(&self) -> worker::Result<D1Result> {
        count_round_trip();
        self.run().await
    }
}

/// Rows a statement changed.
pub fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0)
}

/// Several statements in one atomic round trip.
pub async fn batch(
    db: &D1Database,
    statements: Vec<D1PreparedStatement>,
) -> worker::Result<Vec<D1Result>> {
    count_round_trip();
    db.batch(statements).await
}

/// The `DB` binding.
pub fn database(env: &Env) -> Result<D1Database, AppError> {
    Ok(env.d1("DB")?)
}
