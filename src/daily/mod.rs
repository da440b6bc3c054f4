//! Daily.co: its REST shapes and their meaning (pure), the self-signed meeting token (pure),
//! and the client that sends requests through the outbound HTTP module (shell).

pub mod api;
pub mod client;
pub mod token;
