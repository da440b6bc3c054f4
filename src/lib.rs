//! Edgemy sessions: a private Daily room for every coaching reservation, and a meeting token
//! for each of its two participants. This file holds the event entry points and the route
//! table; everything else lives in the modules below.

mod api;
mod auth;
mod config;
mod daily;
mod db;
mod domain;
mod error;
mod http;
mod idempotency;
mod jobs;
mod video;
mod web;

use worker::{
    console_error, event, Context, Env, Request, Response, Result, Router, ScheduleContext,
    ScheduledEvent,
};

use api::AppState;
use config::Config;
use error::AppError;
use http::respond;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn config(env: &Env) -> Config {
    Config::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()))
}

/// Every minute (wrangler.toml `[triggers]`): keeps rooms in step and purges old keys.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(e) = jobs::run(&env, &config(&env), http::now()).await {
        console_error!(
            "scheduled run failed: {}",
            e.log_detail().unwrap_or_else(|| e.to_string())
        );
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = config(&env);
    let instrument = config.instrument;
    db::take_round_trips();
    let mut response = Router::with_data(AppState { config })
        .get("/healthz", |_, _| Response::ok("ok"))
        .get_async("/", |req, ctx| respond(api::page::index(req, ctx)))
        .get_async("/api/config", |req, ctx| {
            respond(api::page::config(req, ctx))
        })
        .get_async("/api/coaches/:coachId/announcements", |req, ctx| {
            respond(api::catalog::offers(req, ctx))
        })
        .post_async("/reservations", |req, ctx| {
            respond(api::reservations::create(req, ctx))
        })
        .get_async("/reservations/:id", |req, ctx| {
            respond(api::reservations::show(req, ctx))
        })
        .patch_async("/reservations/:id", |req, ctx| {
            respond(api::reservations::reschedule(req, ctx))
        })
        .post_async("/reservations/:id/cancel", |req, ctx| {
            respond(api::reservations::cancel(req, ctx))
        })
        .get_async("/reservations/:id/daily-token", |req, ctx| {
            respond(api::tokens::daily_token(req, ctx))
        })
        .get_async("/api/me", |req, ctx| respond(api::me::show(req, ctx)))
        .get_async("/api/player/sessions", |req, ctx| {
            respond(api::sessions::for_player(req, ctx))
        })
        .get_async("/api/coach/sessions", |req, ctx| {
            respond(api::sessions::for_coach(req, ctx))
        })
        .get_async("/dev/users", |req, ctx| respond(api::dev::users(req, ctx)))
        .post_async("/dev/login", |req, ctx| respond(api::dev::login(req, ctx)))
        .post_async("/dev/logout", |req, ctx| {
            respond(api::dev::logout(req, ctx))
        })
        .or_else_any_method_async("/*path", |_, _| async {
            http::error_response(&AppError::NotFound)
        })
        .run(req, env)
        .await?;
    // The router answers a known path with an unknown method in plain text; keep errors JSON.
    if response.status_code() == 405 {
        response = http::error_response(&AppError::MethodNotAllowed)?;
    }
    if instrument {
        // Exact when requests do not overlap in the isolate, as in the benchmark's probes.
        let trips = db::take_round_trips().to_string();
        response.headers_mut().set("X-D1-Round-Trips", &trips)?;
    }
    Ok(response)
}
