//! The Daily HTTP client (shell): sends what `rooms` builds, hands the answer back to it, and
//! retries transient failures as `retry::RetryPolicy` says. Redirects are not followed, every
//! attempt has a timeout, the domain id is cached per isolate.

use std::cell::RefCell;
use std::time::Duration;

use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{
    console_warn, js_sys, AbortController, Date, Delay, Fetch, Headers, Method, Request,
    RequestInit, RequestRedirect,
};

use super::rooms::{parse_answer, CreateRoom, DailyError, Deleted, DomainConfig, Room, UpdateRoom};
use crate::config::DailyConfig;

thread_local! {
    /// Domain ids fetched from `GET /`, by API base URL. They never change for a key's domain.
    static DOMAIN_IDS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

pub struct DailyClient<'a> {
    config: &'a DailyConfig,
}

fn elapsed_since(start: u64) -> Duration {
    Duration::from_millis(Date::now().as_millis().saturating_sub(start))
}

impl<'a> DailyClient<'a> {
    pub fn new(config: &'a DailyConfig) -> Self {
        Self { config }
    }

    /// One attempt, abandoned after `budget`.
    async fn attempt<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        budget: Duration,
    ) -> Result<T, DailyError> {
        let transport = |e: worker::Error| DailyError::Transport(e.to_string());
        let headers = Headers::new();
        headers
            .set(
                "Authorization",
                &format!("Bearer {}", self.config.api_key.expose()),
            )
            .map_err(transport)?;
        headers
            .set("Content-Type", "application/json")
            .map_err(transport)?;
        let mut init = RequestInit::new();
        init.with_method(method)
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual);
        if let Some(body) = body {
            init.with_body(Some(JsValue::from_str(body)));
        }
        let url = format!("{}{}", self.config.base_url, path);
        let request = Request::new_with_init(&url, &init).map_err(transport)?;

        let controller = AbortController::default();
        let signal = controller.signal();
        wasm_bindgen_futures::spawn_local(async move {
            Delay::from(budget).await;
            controller.abort();
        });
        let answer = async {
            let mut response = Fetch::Request(request)
                .send_with_signal(&signal)
                .await
                .map_err(transport)?;
            let status = response.status_code();
            let text = response.text().await.map_err(transport)?;
            Ok((status, text))
        }
        .await;
        match answer {
            Ok((status, text)) => parse_answer(status, &text),
            Err(_) if signal.aborted() => Err(DailyError::Transport(format!(
                "no answer within {} ms",
                budget.as_millis()
            ))),
            Err(e) => Err(e),
        }
    }

    /// A logical call: attempts and waits as the retry policy allows.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<T, DailyError> {
        let policy = &self.config.retry;
        let start = Date::now().as_millis();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let budget = policy.attempt_budget(elapsed_since(start));
            let error = match self
                .attempt(method.clone(), path, body.as_deref(), budget)
                .await
            {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            let wait = policy.next_wait(
                &error,
                attempt,
                elapsed_since(start),
                js_sys::Math::random(),
            );
            match wait {
                Some(wait) => {
                    console_warn!("Daily {method:?} {path}: attempt {attempt} failed ({error}), retrying in {} ms", wait.as_millis());
                    Delay::from(wait).await;
                }
                None => return Err(error),
            }
        }
    }

    /// Creates a room. A room of that name may already exist (an earlier attempt whose answer
    /// was lost): Daily then answers 400, and the room is read back instead.
    pub async fn create_room(&self, request: &CreateRoom<'_>) -> Result<Room, DailyError> {
        let body = serde_json::to_string(request).expect("room requests always serialize");
        match self.send(Method::Post, "/rooms", Some(body)).await {
            Err(e) if e.is_room_exists() => self.get_room(request.name).await.map_err(|_| e),
            other => other,
        }
    }

    pub async fn get_room(&self, name: &str) -> Result<Room, DailyError> {
        self.send(Method::Get, &format!("/rooms/{name}"), None)
            .await
    }

    /// Moves a room to a new window.
    pub async fn update_room(&self, name: &str, update: &UpdateRoom) -> Result<Room, DailyError> {
        let body = serde_json::to_string(update).expect("room updates always serialize");
        self.send(Method::Post, &format!("/rooms/{name}"), Some(body))
            .await
    }

    /// Deletes a room; a room that is already gone counts as deleted.
    pub async fn delete_room(&self, name: &str) -> Result<(), DailyError> {
        match self
            .send::<Deleted>(Method::Delete, &format!("/rooms/{name}"), None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The domain id meeting tokens carry: from `DAILY_DOMAIN_ID`, else fetched once.
    pub async fn domain_id(&self) -> Result<String, DailyError> {
        if let Some(id) = &self.config.domain_id {
            return Ok(id.clone());
        }
        let base = &self.config.base_url;
        let cached = DOMAIN_IDS.with(|ids| {
            ids.borrow()
                .iter()
                .find(|(url, _)| url == base)
                .map(|(_, id)| id.clone())
        });
        if let Some(id) = cached {
            return Ok(id);
        }
        let domain: DomainConfig = self.send(Method::Get, "/", None).await?;
        DOMAIN_IDS.with(|ids| {
            ids.borrow_mut()
                .push((base.clone(), domain.domain_id.clone()))
        });
        Ok(domain.domain_id)
    }
}
