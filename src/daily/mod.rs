//! Daily.co: room and token shapes and the self-signed meeting token (pure),
//! and the small HTTP client that sends them (shell).

pub mod client;
pub mod retry;
pub mod rooms;
pub mod token;
