//! Edgemy sessions: a private Daily room for every coaching reservation, and a meeting token
//! for each of its two participants. This file holds the event entry points and the route
//! table; everything else lives in the modules below.

mod api;
mod auth;
mod booking;
mod config;
mod daily;
mod db;
mod domain;
mod error;
mod http;
mod jobs;
mod outbound;
mod rooms;
mod web;

use std::cell::RefCell;
use std::rc::Rc;

use worker::{
    console_error, event, Context, Env, Method, Request, Response, Result, ScheduleContext,
    ScheduledEvent,
};

use api::Ctx;
use config::Config;
use error::AppError;
use http::respond;

thread_local! {
    /// Vars and secrets are fixed for the life of an isolate: read them once.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

fn config(env: &Env) -> Rc<Config> {
    CONFIG.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                Rc::new(Config::from_lookup(|name| {
                    env.var(name).ok().map(|v| v.to_string())
                }))
            })
            .clone()
    })
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
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

/// The routes. A path that exists with another method is 405, anything else 404.
#[derive(Clone, Copy)]
enum Route {
    Healthz,
    Page,
    PageConfig,
    CoachOffers,
    Book,
    Show,
    Reschedule,
    Cancel,
    DailyToken,
    Me,
    PlayerSessions,
    CoachSessions,
    DevUsers,
    DevLogin,
    DevLogout,
}

/// The `Allow` header of a path: its methods, and `HEAD` wherever `GET` is.
fn allow_header(candidates: &[(Method, Route)]) -> String {
    let mut methods: Vec<&str> = Vec::with_capacity(candidates.len() + 2);
    for (method, _) in candidates {
        methods.push(method.as_ref());
        if *method == Method::Get {
            methods.push("HEAD");
        }
    }
    methods.push("OPTIONS");
    methods.join(", ")
}

/// Finds the route of a request, and its one path parameter if it has one. `HEAD` is answered
/// as `GET` is (the runtime drops the body); any other method the path does not take is 405.
fn route(method: &Method, path: &str) -> std::result::Result<(Route, Option<String>), AppError> {
    use Method::{Get, Patch, Post};
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (candidates, param): (&[(Method, Route)], Option<&str>) = match segments.as_slice() {
        ["healthz"] => (&[(Get, Route::Healthz)], None),
        [""] => (&[(Get, Route::Page)], None),
        ["api", "config"] => (&[(Get, Route::PageConfig)], None),
        ["api", "coaches", coach, "announcements"] => (&[(Get, Route::CoachOffers)], Some(coach)),
        ["api", "me"] => (&[(Get, Route::Me)], None),
        ["api", "player", "sessions"] => (&[(Get, Route::PlayerSessions)], None),
        ["api", "coach", "sessions"] => (&[(Get, Route::CoachSessions)], None),
        ["reservations"] => (&[(Post, Route::Book)], None),
        ["reservations", id] => (&[(Get, Route::Show), (Patch, Route::Reschedule)], Some(id)),
        ["reservations", id, "cancel"] => (&[(Post, Route::Cancel)], Some(id)),
        ["reservations", id, "daily-token"] => (&[(Get, Route::DailyToken)], Some(id)),
        ["dev", "users"] => (&[(Get, Route::DevUsers)], None),
        ["dev", "login"] => (&[(Post, Route::DevLogin)], None),
        ["dev", "logout"] => (&[(Post, Route::DevLogout)], None),
        _ => return Err(AppError::NotFound),
    };
    let wanted = if *method == Method::Head {
        &Get
    } else {
        method
    };
    let (_, route) = candidates
        .iter()
        .find(|(m, _)| m == wanted)
        .ok_or_else(|| AppError::MethodNotAllowed {
            allow: allow_header(candidates),
        })?;
    Ok((*route, param.filter(|p| !p.is_empty()).map(str::to_owned)))
}

/// Answers `OPTIONS`: the path's methods, and CORS headers for an allowed origin (added by
/// `http::Finishing::apply`).
fn options(path_error: AppError) -> Result<Response> {
    match path_error {
        AppError::MethodNotAllowed { allow } => {
            let mut response = Response::empty()?.with_status(204);
            response.headers_mut().set("Allow", &allow)?;
            Ok(response)
        }
        other => http::error_response(&other),
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = config(&env);
    let finishing = http::Finishing::of(&req, &config)?;
    let method = req.method();
    let mut response = match route(&method, &req.path()) {
        Err(e) if method == Method::Options => options(e),
        Err(e) => http::error_response(&e),
        Ok((route, param)) => {
            let body_optional = matches!(route, Route::Cancel | Route::DevLogout);
            let writes = matches!(method, Method::Post | Method::Patch);
            match writes.then(|| http::check_write(&req, &config, body_optional)) {
                Some(Err(e)) => http::error_response(&e),
                _ => dispatch(route, req, Ctx { env, config, param }).await,
            }
        }
    }?;
    finishing.apply(&mut response)?;
    Ok(response)
}

async fn dispatch(route: Route, req: Request, ctx: Ctx) -> Result<Response> {
    let instrument = ctx.config.instrument;
    db::take_round_trips();
    let mut response = match route {
        Route::Healthz => Response::ok("ok"),
        Route::Page => respond(api::page::index(req, ctx)).await,
        Route::PageConfig => respond(api::page::config(req, ctx)).await,
        Route::CoachOffers => respond(api::catalog::offers(req, ctx)).await,
        Route::Book => respond(api::reservations::create(req, ctx)).await,
        Route::Show => respond(api::reservations::show(req, ctx)).await,
        Route::Reschedule => respond(api::reservations::reschedule(req, ctx)).await,
        Route::Cancel => respond(api::reservations::cancel(req, ctx)).await,
        Route::DailyToken => respond(api::tokens::daily_token(req, ctx)).await,
        Route::Me => respond(api::me::show(req, ctx)).await,
        Route::PlayerSessions => respond(api::sessions::for_player(req, ctx)).await,
        Route::CoachSessions => respond(api::sessions::for_coach(req, ctx)).await,
        Route::DevUsers => respond(api::dev::users(req, ctx)).await,
        Route::DevLogin => respond(api::dev::login(req, ctx)).await,
        Route::DevLogout => respond(api::dev::logout(req, ctx)).await,
    }?;
    if instrument {
        // Exact when requests do not overlap in the isolate, as in the benchmark's probes.
        let trips = db::take_round_trips().to_string();
        response.headers_mut().set("X-D1-Round-Trips", &trips)?;
    }
    Ok(response)
}
