//! `GET /`: the sessions page (a static asset) with its Content-Security-Policy, and
//! `GET /api/config`: what the page needs to know about this deployment.

use serde::Serialize;
use worker::{Headers, Response};

use crate::http::Request;

use super::Ctx;
use crate::error::AppError;
use crate::http;
use crate::web::content_security_policy;

fn standin_origin(ctx: &Ctx) -> Option<&str> {
    ctx.config
        .daily
        .as_ref()
        .ok()
        .and_then(|d| d.standin_origin())
}

pub async fn index(req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let mut asset = ctx
        .env
        .assets("ASSETS")?
        .fetch_request(req.into_worker())
        .await?;
    // A fetched response's headers are immutable: answer a copy with the security headers added.
    let headers = Headers::new();
    for (name, value) in asset.headers().entries() {
        headers.set(&name, &value)?;
    }
    headers.set(
        "Content-Security-Policy",
        &content_security_policy(standin_origin(&ctx)),
    )?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    let status = asset.status_code();
    let body = asset.bytes().await?;
    Ok(Response::from_bytes(body)?
        .with_status(status)
        .with_headers(headers))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigView<'a> {
    dev_login: bool,
    login_url: &'a str,
}

pub async fn config(_req: Request, ctx: Ctx) -> Result<Response, AppError> {
    let config = &ctx.config;
    http::json(
        200,
        &ConfigView {
            dev_login: config.dev_login,
            login_url: &config.login_url,
        },
    )
}
