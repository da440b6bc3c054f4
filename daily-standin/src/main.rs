//! A local HTTP server that behaves like Daily's REST API (as `daily-api.md` documents it), for
//! development and tests: Bearer auth, domain config, rooms, meeting tokens, recordings, the
//! documented error bodies and rate limits. Rooms it creates have a page that checks the `t`
//! meeting token and shows who is in the room and as what.
//!
//! Test controls live under `/__control/` (see `control.rs`): the call log, fault injection
//! (errors, latency, hangs, and `hold`, which keeps matching requests waiting until
//! `POST /__control/release`), settings (rate limits, clock offset, seed), reset.
//!
//! Usage: daily-standin [--host 127.0.0.1] [--port 8788] [--api-key KEY] [--domain-name NAME]
//!                      [--room-origin URL] [--seed N]
//! `--room-origin` makes room URLs point elsewhere (e.g. `https://edgemy-test.daily.co`), for
//! tests of the real Daily embedding.
//! `--seed N` (or the `DAILY_STANDIN_SEED` variable; the flag wins) seeds the random stream
//! that ids, room names and `probability` faults come from, so that a run can be replayed;
//! without it the seed is random. Either way the startup line names it:
//! `daily-standin listening on http://127.0.0.1:8788 (API base http://127.0.0.1:8788/v1, seed 12345)`.

mod api;
mod control;
mod room_page;
mod state;
mod token;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use state::{parse_seed, random_seed, Shared, Standin};

const USAGE: &str = "usage: daily-standin [--host 127.0.0.1] [--port 8788] [--api-key KEY] \
[--domain-name NAME] [--room-origin URL] [--seed N]";

struct Args {
    host: String,
    port: u16,
    api_key: String,
    domain_name: String,
    room_origin: Option<String>,
    seed: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let seed = match std::env::var("DAILY_STANDIN_SEED") {
        Ok(text) if !text.trim().is_empty() => {
            Some(parse_seed(&text).map_err(|e| format!("DAILY_STANDIN_SEED: {e}"))?)
        }
        _ => None,
    };
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 8788,
        api_key: std::env::var("DAILY_STANDIN_API_KEY")
            .unwrap_or_else(|_| "dev-standin-key".into()),
        domain_name: "edgemy-dev".into(),
        room_origin: None,
        seed,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => args.host = value()?,
            "--port" => args.port = value()?.parse().map_err(|_| "--port must be a number")?,
            "--api-key" => args.api_key = value()?,
            "--domain-name" => args.domain_name = value()?,
            "--room-origin" => args.room_origin = Some(value()?.trim_end_matches('/').to_owned()),
            "--seed" => {
                args.seed = Some(parse_seed(&value()?).map_err(|e| format!("--seed: {e}"))?)
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.api_key.is_empty() {
        return Err("the API key must not be empty".into());
    }
    Ok(args)
}

pub fn app(shared: Shared) -> Router {
    Router::new()
        .route("/v1", any(api::dispatch))
        .route("/v1/", any(api::dispatch))
        .route("/v1/{*rest}", any(api::dispatch))
        .route(
            "/__control/calls",
            get(control::calls).delete(control::clear_calls),
        )
        .route(
            "/__control/faults",
            post(control::add_faults).delete(control::clear_faults),
        )
        .route("/__control/settings", post(control::settings))
        .route("/__control/release", post(control::release))
        .route("/__control/reset", post(control::reset))
        .route("/__standin/room.js", get(room_page::script))
        .route(
            "/__standin/rooms/{name}/presence",
            post(room_page::heartbeat).delete(room_page::leave),
        )
        .route(
            "/__standin/rooms/{name}/participants",
            get(room_page::participants),
        )
        .route("/{name}", get(room_page::page))
        .with_state(shared)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("daily-standin: {e}");
            std::process::exit(2);
        }
    };
    let addr: SocketAddr = match format!("{}:{}", args.host, args.port).parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("daily-standin: invalid host {}", args.host);
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("daily-standin: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    let local = listener
        .local_addr()
        .expect("bound listener has an address");
    let origin = format!("http://{local}");
    let seed = args.seed.unwrap_or_else(random_seed);
    let shared = Arc::new(std::sync::Mutex::new(Standin::new(
        args.api_key,
        args.domain_name,
        args.room_origin.unwrap_or_else(|| origin.clone()),
        seed,
    )));
    // Tests and scripts wait for this line and read the port (and the seed) from it.
    println!("daily-standin listening on {origin} (API base {origin}/v1, seed {seed})");
    let server = axum::serve(listener, app(shared));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = server.with_graceful_shutdown(shutdown).await {
        eprintln!("daily-standin: {e}");
        std::process::exit(1);
    }
}
