//! The Daily HTTP client (shell): sends what `rooms` builds, hands the answer back to it, and
//! retries transient failures as `retry::RetryPolicy` says. Redirects are not followed, every
//! attempt has a timeout, the domain id is cached per isolate.

use std::cell::RefCell;
use std::time::Duration;

use crate::json::FromObject;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{
    AbortController, AbortSignal, Headers, Request, RequestInit, RequestRedirect, Response,
    WorkerGlobalScope,
};
use worker::{console_warn, js_sys, Date, Delay};

use super::rooms::{Answer, CreateRoom, DailyError, Deleted, DomainConfig, Room, UpdateRoom};
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

/// A failed `fetch`: the runtime's message, never the request (it carries the API key).
fn transport(e: JsValue) -> DailyError {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "fetch failed".into());
    DailyError::Transport(detail)
}

// The transport below speaks to `fetch` through web-sys directly and is not generic over the
// answer's type: only the final `Answer::parse` is instantiated per type (BENCHMARKS.md, size).
impl<'a> DailyClient<'a> {
    pub fn new(config: &'a DailyConfig) -> Self {
        Self { config }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        signal: &AbortSignal,
    ) -> Result<Request, JsValue> {
        let headers = Headers::new()?;
        headers.set(
            "Authorization",
            &format!("Bearer {}", self.config.api_key.expose()),
        )?;
        headers.set("Content-Type", "application/json")?;
        let init = RequestInit::new();
        init.set_method(method);
        init.set_headers(&headers);
        init.set_redirect(RequestRedirect::Manual);
        init.set_signal(Some(signal));
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }
        Request::new_with_str_and_init(&format!("{}{}", self.config.base_url, path), &init)
    }

    /// One attempt, abandoned after `budget`.
    async fn attempt(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        budget: Duration,
    ) -> Result<Answer, DailyError> {
        let controller = AbortController::new().map_err(transport)?;
        let signal = controller.signal();
        let request = self
            .request(method, path, body, &signal)
            .map_err(transport)?;
        wasm_bindgen_futures::spawn_local(async move {
            Delay::from(budget).await;
            controller.abort();
        });
        let answer = async {
            let global: WorkerGlobalScope = js_sys::global().unchecked_into();
            let response: Response = JsFuture::from(global.fetch_with_request(&request))
                .await?
                .dyn_into()?;
            let text = JsFuture::from(response.text()?).await?;
            Ok::<_, JsValue>((response.status(), text.as_string().unwrap_or_default()))
        }
        .await;
        match answer {
            Ok((status, text)) => Answer::check(status, text),
            Err(_) if signal.aborted() => Err(DailyError::Transport(format!(
                "no answer within {} ms",
                budget.as_millis()
            ))),
            Err(e) => Err(transport(e)),
        }
    }

    /// A logical call: attempts and waits as the retry policy allows.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Answer, DailyError> {
        let policy = &self.config.retry;
        let start = Date::now().as_millis();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let budget = policy.attempt_budget(elapsed_since(start));
            let error = match self.attempt(method, path, body.as_deref(), budget).await {
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
                    console_warn!("Daily {method} {path}: attempt {attempt} failed ({error}), retrying in {} ms", wait.as_millis());
                    Delay::from(wait).await;
                }
                None => return Err(error),
            }
        }
    }

    async fn call<T: FromObject>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, DailyError> {
        self.send(method, path, body).await?.parse()
    }

    /// Creates a room. A room of that name may already exist (an earlier attempt whose answer
    /// was lost): Daily then answers 400, and the room is read back instead.
    pub async fn create_room(&self, request: &CreateRoom<'_>) -> Result<Room, DailyError> {
        let body = serde_json::to_string(request).expect("room requests always serialize");
        match self.call("POST", "/rooms", Some(body)).await {
            Err(e) if e.is_room_exists() => self.get_room(request.name).await.map_err(|_| e),
            other => other,
        }
    }

    pub async fn get_room(&self, name: &str) -> Result<Room, DailyError> {
        self.call("GET", &format!("/rooms/{name}"), None).await
    }

    /// Moves a room to a new window.
    pub async fn update_room(&self, name: &str, update: &UpdateRoom) -> Result<Room, DailyError> {
        let body = serde_json::to_string(update).expect("room updates always serialize");
        self.call("POST", &format!("/rooms/{name}"), Some(body))
            .await
    }

    /// Deletes a room; a room that is already gone counts as deleted.
    pub async fn delete_room(&self, name: &str) -> Result<(), DailyError> {
        match self
            .call::<Deleted>("DELETE", &format!("/rooms/{name}"), None)
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
        let domain: DomainConfig = self.call("GET", "/", None).await?;
        DOMAIN_IDS.with(|ids| {
            ids.borrow_mut()
                .push((base.clone(), domain.domain_id.clone()))
        });
        Ok(domain.domain_id)
    }
}
