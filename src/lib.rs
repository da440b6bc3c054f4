//! Edgemy sessions: a private Daily room for every coaching reservation, and a meeting token
//! for each of its two participants. This file holds the event entry points and the route
//! table; everything else lives in the modules below.
//!
//! The crate builds two Workers. By default, the API Worker: the HTTP API and the sessions page
//! (`fetch`). With the `jobs` feature, the jobs Worker: the Cron Trigger's work (`scheduled`:
//! rooms, Daily's reports, the R2 archive, e-mail) and the two requests the API Worker sends it
//! through its service binding (`jobs_fetch`). Each wasm holds only what its entry points reach.

mod api;
mod archive;
mod auth;
mod booking;
mod config;
mod daily;
mod db;
mod domain;
mod error;
mod http;
mod jobs;
mod mail;
mod outbound;
mod rooms;
mod web;

use std::cell::RefCell;
use std::rc::Rc;

use worker::{
    console_error, event, Context, Env, Method, Response, Result, ScheduleContext, ScheduledEvent,
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

/// The jobs Worker, every minute (`jobs/wrangler.toml` `[triggers]`): keeps rooms in step, asks
/// Daily about lost reports, archives recordings, sends e-mail and purges old keys, as of the
/// run's scheduled time.
#[cfg_attr(feature = "jobs", event(scheduled))]
#[cfg_attr(not(feature = "jobs"), allow(dead_code))]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = domain::time::from_unix((event.schedule() / 1000.0).floor() as i64);
    if let Err(e) = jobs::run(&env, &config(&env), now).await {
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
    DevJobs,
    DailyWebhook,
    Recordings,
    Notifications,
    BuyPack,
    ShowPack,
    BookPackSession,
    CancelPack,
    PlayerPacks,
    CoachPacks,
    Recording,
}

/// Every route: its method, its path (each `{…}` is a parameter, a whole segment) and its
/// handler. `public/openapi.json` documents exactly these (a unit test holds it to that).
const ROUTES: &[(Method, &str, Route)] = {
    use Method::{Get, Patch, Post};
    &[
        (Get, "/", Route::Page),
        (Get, "/healthz", Route::Healthz),
        (Get, "/api/config", Route::PageConfig),
        (Get, "/api/me", Route::Me),
        (
            Get,
            "/api/coaches/{coachId}/announcements",
            Route::CoachOffers,
        ),
        (Get, "/api/player/sessions", Route::PlayerSessions),
        (Get, "/api/coach/sessions", Route::CoachSessions),
        (Get, "/api/player/packs", Route::PlayerPacks),
        (Get, "/api/coach/packs", Route::CoachPacks),
        (Post, "/packs", Route::BuyPack),
        (Get, "/packs/{id}", Route::ShowPack),
        (Post, "/packs/{id}/sessions", Route::BookPackSession),
        (Post, "/packs/{id}/cancel", Route::CancelPack),
        (Post, "/reservations", Route::Book),
        (Get, "/reservations/{id}", Route::Show),
        (Patch, "/reservations/{id}", Route::Reschedule),
        (Post, "/reservations/{id}/cancel", Route::Cancel),
        (Get, "/reservations/{id}/daily-token", Route::DailyToken),
        (Get, "/reservations/{id}/recordings", Route::Recordings),
        (
            Get,
            "/reservations/{id}/notifications",
            Route::Notifications,
        ),
        (
            Get,
            "/reservations/{id}/recordings/{recordingId}",
            Route::Recording,
        ),
        (Post, "/webhooks/daily", Route::DailyWebhook),
        (Get, "/dev/users", Route::DevUsers),
        (Post, "/dev/login", Route::DevLogin),
        (Post, "/dev/logout", Route::DevLogout),
        (Post, "/dev/jobs", Route::DevJobs),
    ]
};

/// The segments of `path` in the places of the template's parameters, if the path fits the
/// template.
fn fit<'p>(template: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    let mut params = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') => params.push(g),
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// The `Allow` header of a path: its methods, and `HEAD` wherever `GET` is.
fn allow_header(methods: &[&Method]) -> String {
    let mut names: Vec<&str> = Vec::with_capacity(methods.len() + 2);
    for method in methods {
        names.push(method.as_ref());
        if **method == Method::Get {
            names.push("HEAD");
        }
    }
    names.push("OPTIONS");
    names.join(", ")
}

/// Finds the route of a request, and its path parameters (empty ones left out). `HEAD` is answered
/// as `GET` is (the runtime drops the body); any other method the path does not take is 405.
/// The method is the request's own text: workers-rs reads methods it does not know (`QUERY`,
/// `PROPFIND`) as `GET`.
fn route(method: &str, path: &str) -> std::result::Result<(Route, Vec<String>), AppError> {
    let wanted = if method == "HEAD" { "GET" } else { method };
    let mut methods = Vec::new();
    for (m, template, route) in ROUTES {
        let Some(params) = fit(template, path) else {
            continue;
        };
        if m.as_ref() == wanted {
            let params = params.into_iter().map(str::to_owned).collect();
            return Ok((*route, params));
        }
        methods.push(m);
    }
    if methods.is_empty() {
        return Err(AppError::NotFound);
    }
    Err(AppError::MethodNotAllowed {
        allow: allow_header(&methods),
    })
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

/// The jobs Worker's requests, which only the API Worker's service binding reaches (the jobs
/// Worker has no route and no workers.dev address): `POST /deliver/{reservationId}` sends that
/// session's due mails; `POST /run` runs the scheduled work now (the development sign-in's
/// `POST /dev/jobs`).
#[cfg_attr(feature = "jobs", event(fetch))]
#[cfg_attr(not(feature = "jobs"), allow(dead_code))]
async fn jobs_fetch(req: http::Request, env: Env, _runtime: Context) -> Result<Response> {
    let config = config(&env);
    let now = http::now();
    let path = req.path();
    let method = req.method();
    let outcome = match (
        method.as_str(),
        path.split('/').collect::<Vec<_>>().as_slice(),
    ) {
        ("POST", ["", "deliver", id]) => match db::database(&env) {
            Ok(db) => mail::deliver_or_skip(&db, &config, now, Some(id))
                .await
                .map(|r| {
                    format!(
                        "{} sent, {} to retry, {} failed",
                        r.sent, r.retried, r.failed
                    )
                }),
            Err(e) => Err(e),
        },
        ("POST", ["", "run"]) => jobs::run(&env, &config, now).await.map(|_| "done".into()),
        _ => return Response::error("not found", 404),
    };
    match outcome {
        Ok(summary) => Response::ok(summary),
        Err(e) => {
            console_error!(
                "jobs {path} failed: {}",
                e.log_detail().unwrap_or_else(|| e.to_string())
            );
            Response::error("failed", 500)
        }
    }
}

/// The API Worker's requests.
#[cfg_attr(not(feature = "jobs"), event(fetch))]
#[cfg_attr(feature = "jobs", allow(dead_code))]
async fn fetch(req: http::Request, env: Env, runtime: Context) -> Result<Response> {
    let config = config(&env);
    let finishing = http::Finishing::of(&req, &config)?;
    let method = req.method();
    let mut response = match route(&method, req.path()) {
        Err(e) if method == "OPTIONS" => options(e),
        Err(e) => http::error_response(&e),
        Ok((route, params)) => {
            let body_optional = matches!(
                route,
                Route::Cancel | Route::CancelPack | Route::DevLogout | Route::DevJobs
            );
            // Daily's webhooks come from its servers, signed: not a browser's request.
            let writes = matches!(method.as_str(), "POST" | "PATCH")
                && !matches!(route, Route::DailyWebhook);
            match writes.then(|| http::check_write(&req, finishing.origin(), body_optional)) {
                Some(Err(e)) => http::error_response(&e),
                _ => {
                    // Only a read starts from the client's bookmark: the others never look.
                    let mode = db_mode(route);
                    let bookmark = (mode == api::DbMode::Read)
                        .then(|| http::d1_bookmark(&req))
                        .flatten();
                    let store = api::DbStore::new(mode, bookmark);
                    let ctx = Ctx::new(env, config, params, runtime, store.clone());
                    let mut response = dispatch(route, req, ctx).await?;
                    if let Some(bookmark) = store.bookmark_out() {
                        response.headers_mut().set("X-D1-Bookmark", &bookmark)?;
                    }
                    Ok(response)
                }
            }
        }
    }?;
    finishing.apply(&mut response)?;
    Ok(response)
}

/// How a route reaches D1: changes go to the primary; reads that can take a replica a few
/// seconds behind start from the client's bookmark (README, Reads from the nearest replica);
/// the rest use the database as it is.
fn db_mode(route: Route) -> api::DbMode {
    use api::DbMode::{Primary, Read, Write};
    match route {
        Route::Book
        | Route::Reschedule
        | Route::Cancel
        | Route::BuyPack
        | Route::BookPackSession
        | Route::CancelPack => Write,
        Route::Show
        | Route::DailyToken
        | Route::Me
        | Route::PlayerSessions
        | Route::CoachSessions
        | Route::Recordings
        | Route::Recording
        | Route::Notifications
        | Route::ShowPack
        | Route::PlayerPacks
        | Route::CoachPacks => Read,
        _ => Primary,
    }
}

async fn dispatch(route: Route, req: http::Request, ctx: Ctx) -> Result<Response> {
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
        Route::DevJobs => respond(api::dev::jobs(req, ctx)).await,
        Route::DailyWebhook => respond(api::webhooks::daily(req, ctx)).await,
        Route::Recordings => respond(api::recordings::list(req, ctx)).await,
        Route::Recording => respond(api::recordings::open(req, ctx)).await,
        Route::Notifications => respond(api::notifications::list(req, ctx)).await,
        Route::BuyPack => respond(api::packs::buy(req, ctx)).await,
        Route::ShowPack => respond(api::packs::show(req, ctx)).await,
        Route::BookPackSession => respond(api::packs::book(req, ctx)).await,
        Route::CancelPack => respond(api::packs::cancel(req, ctx)).await,
        Route::PlayerPacks => respond(api::packs::list(req, ctx, false)).await,
        Route::CoachPacks => respond(api::packs::list(req, ctx, true)).await,
    }?;
    // On the answers that reached D1. Exact when requests do not overlap in the isolate, as in
    // the benchmark's probes.
    let trips = db::take_round_trips();
    if instrument && trips > 0 {
        response
            .headers_mut()
            .set("X-D1-Round-Trips", &trips.to_string())?;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    #[test]
    fn changes_go_to_the_primary_and_only_reads_take_a_replica() {
        for (method, path, route) in ROUTES {
            let mode = db_mode(*route);
            let change = matches!(method, Method::Post | Method::Patch)
                && !path.starts_with("/dev/")
                && *path != "/webhooks/daily";
            if change {
                assert_eq!(mode, api::DbMode::Write, "{path}");
            }
            if mode == api::DbMode::Read {
                assert!(matches!(method, Method::Get), "{path} reads from a replica");
            }
        }
        assert_eq!(db_mode(Route::DailyToken), api::DbMode::Read);
        assert_eq!(db_mode(Route::PlayerSessions), api::DbMode::Read);
    }

    fn openapi() -> Value {
        serde_json::from_str(include_str!("../public/openapi.json")).unwrap()
    }

    #[test]
    fn paths_find_their_route_and_parameter() {
        let (found, param) = route("GET", "/reservations/abc/daily-token").unwrap();
        assert!(matches!(found, Route::DailyToken));
        assert_eq!(param, vec!["abc"]);
        assert!(matches!(route("HEAD", "/api/me").unwrap().0, Route::Me));
        assert!(matches!(
            route("PATCH", "/reservations/abc").unwrap().0,
            Route::Reschedule
        ));
        assert_eq!(
            route("GET", "/reservations/r/recordings/g").unwrap().1,
            vec!["r", "g"]
        );
        for missing in ["/nope", "/reservations/a/b/c", "/api", "//", "/api/me/"] {
            assert!(
                matches!(route("GET", missing), Err(AppError::NotFound)),
                "{missing}"
            );
        }
    }

    #[test]
    fn a_method_a_path_does_not_take_is_405_with_allow() {
        let allow = |method, path| match route(method, path) {
            Err(AppError::MethodNotAllowed { allow }) => allow,
            _ => panic!("{path}: not a 405"),
        };
        assert_eq!(
            allow("DELETE", "/reservations/x"),
            "GET, HEAD, PATCH, OPTIONS"
        );
        assert_eq!(allow("GET", "/reservations"), "POST, OPTIONS");
        assert_eq!(allow("OPTIONS", "/healthz"), "GET, HEAD, OPTIONS");
        assert_eq!(allow("QUERY", "/healthz"), "GET, HEAD, OPTIONS");
        assert_eq!(
            allow("get", "/healthz"),
            "GET, HEAD, OPTIONS",
            "methods are case-sensitive"
        );
    }

    /// Every route is in the OpenAPI document, with its method, and nothing else is.
    #[test]
    fn the_openapi_document_has_exactly_the_routes() {
        let doc = openapi();
        assert_eq!(doc["openapi"], "3.1.0");
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                let methods = item.as_object().unwrap().keys();
                methods
                    .filter(|m| !matches!(m.as_str(), "parameters" | "summary"))
                    .map(move |m| (m.to_ascii_uppercase(), path.clone()))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(method, path, _)| (method.as_ref().to_owned(), (*path).to_owned()))
            .collect();
        assert_eq!(documented, routed);
    }

    fn codes_in(value: &Value, found: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(codes)) = map.get("code").and_then(|c| c.get("enum")) {
                    found.extend(codes.iter().map(|c| c.as_str().unwrap().to_owned()));
                }
                map.values().for_each(|v| codes_in(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| codes_in(v, found)),
            _ => {}
        }
    }

    /// The document's error codes are exactly the API's, and each operation's answers name only
    /// those; every code but the generic ones is documented on some operation.
    #[test]
    fn the_openapi_document_has_exactly_the_error_codes() {
        let doc = openapi();
        let api: BTreeSet<String> = error::examples()
            .iter()
            .map(|e| e.code().to_owned())
            .collect();
        let listed: BTreeSet<String> = doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(listed, api);
        let mut per_operation = BTreeSet::new();
        codes_in(&doc["paths"], &mut per_operation);
        let general = ["method_not_allowed", "internal"];
        let expected: BTreeSet<String> = api
            .into_iter()
            .filter(|c| !general.contains(&c.as_str()))
            .collect();
        assert_eq!(per_operation, expected);
    }

    /// Each status an error answers with is documented with that code on some operation.
    #[test]
    fn the_openapi_document_gives_each_code_its_status() {
        let doc = openapi();
        let mut pairs = BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for (status, answer) in op["responses"].as_object().unwrap() {
                    let mut codes = BTreeSet::new();
                    codes_in(answer, &mut codes);
                    pairs.extend(codes.into_iter().map(|c| (c, status.clone())));
                }
            }
        }
        for e in error::examples() {
            let code = e.code().to_owned();
            if ["method_not_allowed", "internal"].contains(&code.as_str()) {
                continue;
            }
            assert!(
                pairs.contains(&(code.clone(), e.status().to_string())),
                "{code} with {}",
                e.status()
            );
        }
        for (code, status) in &pairs {
            let real = error::examples()
                .into_iter()
                .find(|e| e.code() == code)
                .unwrap();
            assert_eq!(&real.status().to_string(), status, "{code}");
        }
    }

    /// Every `$ref` points at something in the document.
    #[test]
    fn the_openapi_document_references_resolve() {
        fn walk(doc: &Value, value: &Value) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.trim_start_matches('#');
                        assert!(doc.pointer(pointer).is_some(), "{target}");
                    }
                    map.values().for_each(|v| walk(doc, v));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(doc, v)),
                _ => {}
            }
        }
        let doc = openapi();
        walk(&doc, &doc);
    }
}
