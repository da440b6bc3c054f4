//! Development sign-in, only when `DEV_LOGIN` is `"true"`: `POST /dev/login {"userId"}` sets
//! the session cookie of a demo user, `POST /dev/logout` clears it, `GET /dev/users` lists them.
//! Elsewhere these routes do not exist (404).

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use worker::Response;

use crate::http::Request;

use super::Ctx;
use crate::auth::{self, Identity};
use crate::db::users;
use crate::domain::ids::UserId;
use crate::domain::input;
use crate::domain::locale::Locale;
use crate::error::AppError;
use crate::http::{self, SESSION_COOKIE};

const SESSION_TTL_HOURS: i64 = 12;

/// `POST /dev/login` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    user_id: Option<String>,
}

fn ensure_enabled(ctx: &Ctx) -> Result<(), AppError> {
    ctx.config.dev_login.then_some(()).ok_or(AppError::NotFound)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoUser {
    id: String,
    name: String,
    email: String,
    locale: Locale,
    coach_id: Option<String>,
}

impl From<users::UserRow> for DemoUser {
    fn from(u: users::UserRow) -> Self {
        Self {
            id: u.id,
            name: u.name,
            email: u.email,
            locale: u.locale,
            coach_id: u.coach_id,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginView {
    user: DemoUser,
    session_token: String,
    expires_in: i64,
}

pub async fn users(_req: Request, ctx: Ctx) -> Result<Response, AppError> {
    ensure_enabled(&ctx)?;
    let db = ctx.db()?;
    let list: Vec<DemoUser> = users::list_users(&db)
        .await?
        .into_iter()
        .map(DemoUser::from)
        .collect();
    http::json(200, &serde_json::json!({ "users": list }))
}

pub async fn login(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    ensure_enabled(&ctx)?;
    let auth_config = ctx
        .config
        .auth
        .as_ref()
        .map_err(|e| AppError::AuthNotConfigured(e.clone()))?;
    let body: LoginBody = input::from_json(&http::read_json(&req).await?)?;
    let user_id = input::required(body.user_id, "userId")?;
    let user_id = UserId::parse(&user_id).map_err(|_| AppError::UnknownDemoUser)?;
    let db = ctx.db()?;
    let user = users::find_user(&db, &user_id)
        .await?
        .ok_or(AppError::UnknownDemoUser)?;
    let identity = Identity {
        user_id,
        name: user.name.clone(),
        email: Some(user.email.clone()).filter(|e| !e.is_empty()),
        locale: user.locale,
        time_zone: Some(user.time_zone.clone()),
    };
    let ttl = TimeDelta::hours(SESSION_TTL_HOURS);
    let token = auth::issue(&identity, auth_config, http::now(), ttl);
    let mut response = http::json(
        200,
        &LoginView {
            user: user.into(),
            session_token: token.clone(),
            expires_in: ttl.num_seconds(),
        },
    )?;
    response.headers_mut().set(
        "Set-Cookie",
        &format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
            ttl.num_seconds()
        ),
    )?;
    Ok(response)
}

pub async fn logout(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    ensure_enabled(&ctx)?;
    http::read_optional_object(&req).await?;
    let mut response = http::json(200, &serde_json::json!({ "signedOut": true }))?;
    response.headers_mut().set(
        "Set-Cookie",
        &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    )?;
    Ok(response)
}

/// `POST /dev/jobs`: runs the jobs Worker's scheduled work now (rooms, Daily's reports, the
/// archive, e-mail) instead of at its next minute, through the `JOBS` service binding.
pub async fn jobs(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    ensure_enabled(&ctx)?;
    http::read_optional_object(&req).await?;
    let jobs = ctx
        .env
        .service("JOBS")
        .map_err(|e| AppError::Internal(format!("no JOBS binding: {e}")))?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post);
    let status = jobs
        .fetch("https://jobs/run", Some(init))
        .await
        .map_err(|e| AppError::Internal(format!("the jobs Worker: {e}")))?
        .status_code();
    if status != 200 {
        return Err(AppError::Internal(format!(
            "the jobs Worker answered {status}"
        )));
    }
    http::json(200, &serde_json::json!({ "ran": true }))
}
