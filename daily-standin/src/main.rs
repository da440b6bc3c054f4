//! A local HTTP server that behaves like Daily's REST API (as `daily-api.md` documents it), for
//! development and tests: Bearer auth, domain config, rooms, meeting tokens, recordings, the
//! documented error bodies and rate limits. Rooms it creates have a page that checks the `t`
//! meeting token and shows who is in the room and as what.
//!
//! Test controls live under `/__control/` (see `control.rs`): the call log, fault injection
//! (errors, latency, hangs, and `hold`, which keeps matching requests waiting until
//! `POST /__control/release`), settings (rate limits, clock offset, seed), reset.
//!
//! It also stands in for Brevo's transactional e-mail API, on the same port under `/v3`
//! (`brevo.rs`: `POST /v3/smtp/email`, its faults, and `/__control/mails`, the mails it kept,
//! as `mail.rs` checks and shows them), with a dev inbox to read them at `/__inbox`
//! (`inbox.rs`).
//!
//! Usage: daily-standin [--host 127.0.0.1] [--port 8788] [--api-key KEY] [--domain-name NAME]
//!                      [--room-origin URL] [--seed N] [--webhook-url URL --webhook-secret B64]
//!                      [--brevo-api-key KEY]
//! `--room-origin` makes room URLs point elsewhere (e.g. `https://edgemy-test.daily.co`), for
//! tests of the real Daily embedding.
//! `--seed N` (or the `DAILY_STANDIN_SEED` variable; the flag wins) seeds the random stream
//! that ids, room names and `probability` faults come from, so that a run can be replayed;
//! without it the seed is random. Either way the startup line names it, after the API bases:
//! `daily-standin listening on http://127.0.0.1:8788 (API base http://127.0.0.1:8788/v1,
//! Brevo API base http://127.0.0.1:8788/v3, inbox http://127.0.0.1:8788/__inbox, seed 12345)`
//! (one line).
//! `--webhook-url` and `--webhook-secret` (or `DAILY_STANDIN_WEBHOOK_URL` and
//! `DAILY_STANDIN_WEBHOOK_SECRET`; the flags win) set the domain's webhook at startup, without
//! the ping (the receiver may not be up yet), for every event type the stand-in produces.
//! `--brevo-api-key` (or `DAILY_STANDIN_BREVO_API_KEY`; the flag wins) is the key the Brevo
//! side takes in `api-key`, `dev-brevo-key` by default.
//!
//! Webhooks, meetings and recordings: see `webhooks.rs`, `meetings.rs`, `recordings.rs`, and
//! `control_events.rs` for the controls that make participants join and leave, recordings
//! finish, and events arrive twice, late, out of order or never. `content.rs` is what download
//! links serve (large generated recordings too), `downloads.rs` their faults and log.

mod api;
mod brevo;
mod content;
mod control;
mod control_events;
mod downloads;
mod inbox;
mod mail;
mod meetings;
mod recordings;
mod room_page;
mod state;
mod token;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;

use state::{parse_seed, random_seed, Shared, Standin, DEFAULT_BREVO_API_KEY};

const USAGE: &str = "usage: daily-standin [--host 127.0.0.1] [--port 8788] [--api-key KEY] \
[--domain-name NAME] [--room-origin URL] [--seed N] [--webhook-url URL --webhook-secret BASE64] \
[--brevo-api-key KEY]";

struct Args {
    host: String,
    port: u16,
    api_key: String,
    domain_name: String,
    room_origin: Option<String>,
    seed: Option<u64>,
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    brevo_api_key: String,
}

/// A variable's value, unless unset or blank.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
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
        webhook_url: env_value("DAILY_STANDIN_WEBHOOK_URL"),
        webhook_secret: env_value("DAILY_STANDIN_WEBHOOK_SECRET"),
        brevo_api_key: env_value("DAILY_STANDIN_BREVO_API_KEY")
            .unwrap_or_else(|| DEFAULT_BREVO_API_KEY.into()),
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
            "--webhook-url" => args.webhook_url = Some(value()?),
            "--webhook-secret" => args.webhook_secret = Some(value()?),
            "--brevo-api-key" => args.brevo_api_key = value()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.api_key.is_empty() || args.brevo_api_key.is_empty() {
        return Err("the API keys must not be empty".into());
    }
    if args.webhook_url.is_some() != args.webhook_secret.is_some() {
        return Err("--webhook-url and --webhook-secret go together".into());
    }
    Ok(args)
}

/// The stand-in's routes. Starts the webhook delivery lane and the presence sweep, so it must
/// be called inside the Tokio runtime.
pub fn app(shared: Shared) -> Router {
    webhooks::spawn_lane(&shared);
    room_page::spawn_sweep(&shared);
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
        .route("/__control/rooms/{name}/join", post(control_events::join))
        .route("/__control/rooms/{name}/leave", post(control_events::leave))
        .route(
            "/__control/rooms/{name}/recordings",
            post(control_events::recording),
        )
        .route(
            "/__control/rooms/{name}/recording-error",
            post(control_events::recording_error),
        )
        .route("/__control/webhooks/faults", post(control_events::faults))
        .route("/__control/webhooks/release", post(control_events::release))
        .route("/__control/downloads", get(downloads::log))
        .route("/__control/downloads/faults", post(downloads::faults))
        .route("/v3/smtp/email", post(brevo::send))
        .route("/v3/{*rest}", any(brevo::no_endpoint))
        .route("/__control/brevo/faults", post(brevo::faults))
        .route(
            "/__control/mails",
            get(brevo::mails).delete(brevo::clear_mails),
        )
        .route("/__inbox", get(inbox::list))
        .route("/__inbox/{id}", get(inbox::mail))
        .route("/__inbox/{id}/attachments/{n}", get(inbox::attachment))
        .route("/__standin/recordings/{file}", get(recordings::download))
        .route(
            "/__standin/rooms/{name}/recording",
            post(room_page::start_recording).delete(room_page::stop_recording),
        )
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
    let mut standin = Standin::new(
        args.api_key,
        args.domain_name,
        args.room_origin.unwrap_or_else(|| origin.clone()),
        seed,
    );
    standin.api_origin = origin.clone();
    standin.brevo_api_key = args.brevo_api_key;
    if let (Some(url), Some(secret)) = (args.webhook_url, args.webhook_secret) {
        if let Err(e) = webhooks::startup_webhook(&mut standin, url, secret) {
            eprintln!("daily-standin: {e}");
            std::process::exit(2);
        }
    }
    let shared = Arc::new(std::sync::Mutex::new(standin));
    // Tests and scripts wait for this line and read the port (and the seed) from it.
    println!(
        "daily-standin listening on {origin} (API base {origin}/v1, Brevo API base {origin}/v3, \
inbox {origin}/__inbox, seed {seed})"
    );
    let server = axum::serve(listener, app(shared));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = server.with_graceful_shutdown(shutdown).await {
        eprintln!("daily-standin: {e}");
        std::process::exit(1);
    }
}
