//! The Daily HTTP client (shell): sends what `rooms` builds, hands the answer back to it.
//! Redirects are not followed, every attempt has a timeout, the domain id is cached per isolate.

use std::cell::RefCell;
use std::time::Duration;

use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

use super::rooms::{parse_answer, CreateRoom, DailyError, DomainConfig, Room};
use crate::config::DailyConfig;

/// How long one request to Daily may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(8);

thread_local! {
    /// Domain ids fetched from `GET /`, by API base URL. They never change for a key's domain.
    static DOMAIN_IDS: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

pub struct DailyClient<'a> {
    config: &'a DailyConfig,
}

impl<'a> DailyClient<'a> {
    pub fn new(config: &'a DailyConfig) -> Self {
        Self { config }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
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
            init.with_body(Some(JsValue::from_str(&body)));
        }
        let url = format!("{}{}", self.config.base_url, path);
        let request = Request::new_with_init(&url, &init).map_err(transport)?;

        let controller = AbortController::default();
        let signal = controller.signal();
        wasm_bindgen_futures::spawn_local(async move {
            Delay::from(ATTEMPT_TIMEOUT).await;
            controller.abort();
        });
        let mut response = Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(|e| {
                if signal.aborted() {
                    DailyError::Transport(format!("no answer within {ATTEMPT_TIMEOUT:?}"))
                } else {
                    transport(e)
                }
            })?;
        let status = response.status_code();
        let text = response.text().await.map_err(transport)?;
        parse_answer(status, &text)
    }

    /// Creates a room. A room of that name may already exist (an earlier attempt whose answer
    /// was lost): Daily then answers 400, and the room is read back instead.
    pub async fn create_room(&self, request: &CreateRoom<'_>) -> Result<Room, DailyError> {
        let body = serde_json::to_string(request).expect("room requests always serialize");
        match self.send(Method::Post, "/rooms", Some(body)).await {
            Err(e) if e.is_room_exists() => self.get_room(request.name).await,
            other => other,
        }
    }

    pub async fn get_room(&self, name: &str) -> Result<Room, DailyError> {
        self.send(Method::Get, &format!("/rooms/{name}"), None)
            .await
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
