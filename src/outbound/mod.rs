//! Outbound HTTP to the services we call (Daily now, the e-mail provider next), through
//! workers-rs's `Fetch`: every attempt has a timeout (an `AbortController` cancels it), a call
//! has a total deadline, transient failures are retried with full jitter as
//! [`policy::RetryPolicy`] says, and redirects are never followed. Each service's module builds
//! its requests and reads the answers; this one only carries them.

pub mod policy;

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{
    console_warn, js_sys, AbortController, Date, Delay, Fetch, Headers, Method, Request,
    RequestInit, RequestRedirect,
};

use policy::{Class, RetryPolicy};
pub use policy::{Failure, Reply};

/// One request to send, perhaps several times.
pub struct Outbound<'a> {
    pub method: Method,
    pub url: String,
    /// Header names and values; values may be secrets, so they are never logged.
    pub headers: Vec<(&'static str, &'a str)>,
    pub body: Option<String>,
}

/// Sends requests to one service within one retry policy.
pub struct Client<'a> {
    /// The service's name, for the log.
    pub service: &'static str,
    pub policy: &'a RetryPolicy,
}

fn elapsed_since(start: u64) -> Duration {
    Duration::from_millis(Date::now().as_millis().saturating_sub(start))
}

impl Client<'_> {
    /// One logical call: attempts and waits as the policy allows. A transient status that is
    /// still there after the last attempt is returned as the reply; no answer at all is a
    /// [`Failure`].
    pub async fn send(&self, request: &Outbound<'_>) -> Result<Reply, Failure> {
        let start = Date::now().as_millis();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let budget = self.policy.attempt_budget(elapsed_since(start));
            let outcome = self.attempt(request, budget).await;
            let transient = match &outcome {
                Ok(reply) => reply.class() == Class::Transient,
                Err(_) => true,
            };
            let random = js_sys::Math::random();
            let wait = self
                .policy
                .next_wait(transient, attempt, elapsed_since(start), random);
            match wait {
                Some(wait) => {
                    let what = match &outcome {
                        Ok(reply) => format!("HTTP {}", reply.status),
                        Err(failure) => failure.to_string(),
                    };
                    console_warn!(
                        "{} {} {}: attempt {attempt} failed ({what}), retrying in {} ms",
                        self.service,
                        request.method,
                        path_of(&request.url),
                        wait.as_millis()
                    );
                    Delay::from(wait).await;
                }
                None => return outcome,
            }
        }
    }

    /// One attempt, abandoned (and its fetch aborted) after `budget`.
    async fn attempt(&self, request: &Outbound<'_>, budget: Duration) -> Result<Reply, Failure> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = async {
            let mut response = Fetch::Request(build(request)?)
                .send_with_signal(&signal)
                .await?;
            let status = response.status_code();
            Ok::<_, worker::Error>(Reply {
                status,
                body: response.text().await?,
            })
        };
        let fetch = pin!(fetch);
        let first = select(fetch, Delay::from(budget)).await;
        match first {
            Either::Left((Ok(reply), _)) => Ok(reply),
            Either::Left((Err(e), _)) => Err(Failure::Connection(e.to_string())),
            Either::Right(_) => {
                controller.abort();
                Err(Failure::Timeout(budget.as_millis()))
            }
        }
    }
}

/// The runtime's request: JSON headers as given, redirects left to the caller (never followed).
fn build(request: &Outbound<'_>) -> worker::Result<Request> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(request.method.clone())
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(request.body.as_deref().map(Into::into));
    Request::new_with_init(&request.url, &init)
}

/// The path of a URL, for the log: the host and query (which might carry credentials in some
/// other API) stay out.
fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path = url[after_scheme..]
        .find('/')
        .map_or("/", |i| &url[after_scheme + i..]);
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn logs_show_only_the_path() {
        assert_eq!(
            path_of("https://api.daily.co/v1/rooms/x?key=1"),
            "/v1/rooms/x"
        );
        assert_eq!(path_of("http://127.0.0.1:8788"), "/");
    }
}
