//! Brevo's transactional e-mail API (`POST {BREVO_API_BASE_URL}/smtp/email`, the `api-key`
//! header), through the shared outbound client: timeouts, and retries with jitter on 429, 5xx
//! and timeouts, none on other 4xx.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use worker::Method;

use crate::config::MailConfig;
use crate::outbound::policy::Class;
use crate::outbound::{Client, Failure, Outbound};

#[derive(Serialize)]
struct Address<'a> {
    email: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Attachment<'a> {
    content: String,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendEmail<'a> {
    sender: Address<'a>,
    to: [Address<'a>; 1],
    subject: &'a str,
    html_content: &'a str,
    text_content: &'a str,
    attachment: [Attachment<'a>; 1],
    tags: [&'a str; 2],
}

/// A mail to one recipient, with one `.ics` attachment.
pub struct Mail<'a> {
    pub to_email: &'a str,
    pub to_name: &'a str,
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    pub ics: &'a str,
    /// Brevo's tag for the kind of mail (`confirmation`, …).
    pub tag: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accepted {
    message_id: Option<String>,
}

/// Why Brevo did not take a mail.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// 429, 5xx, a timeout or no connection, still there after the retries: try again later.
    /// After a timeout Brevo may have sent the mail anyway.
    #[error("Brevo unavailable: {0}")]
    Transient(String),
    /// Any other answer: sending it again would not help.
    #[error("Brevo refused the mail: HTTP {status} {detail}")]
    Refused { status: u16, detail: String },
}

/// Sends one mail; `Ok` with Brevo's message id once it is accepted.
pub async fn send(config: &MailConfig, mail: &Mail<'_>) -> Result<Option<String>, SendError> {
    let body = SendEmail {
        sender: Address {
            email: &config.from_email,
            name: &config.from_name,
        },
        to: [Address {
            email: mail.to_email,
            name: mail.to_name,
        }],
        subject: mail.subject,
        html_content: mail.html,
        text_content: mail.text,
        attachment: [Attachment {
            content: STANDARD.encode(mail.ics),
            name: "session.ics",
        }],
        tags: ["edgemy-sessions", mail.tag],
    };
    let request = Outbound {
        method: Method::Post,
        url: format!("{}/smtp/email", config.base_url),
        headers: vec![
            ("api-key", config.api_key.expose()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        body: Some(serde_json::to_string(&body).expect("mails serialize")),
    };
    let client = Client {
        service: "Brevo",
        policy: &config.retry,
    };
    let reply = client
        .send(&request)
        .await
        .map_err(|e: Failure| SendError::Transient(e.to_string()))?;
    match reply.class() {
        Class::Success => Ok(serde_json::from_str::<Accepted>(&reply.body)
            .ok()
            .and_then(|a| a.message_id)),
        Class::Transient => Err(SendError::Transient(format!("HTTP {}", reply.status))),
        // The key (revoked, or Brevo blocking an address it does not know): every mail would
        // fail alike, so they wait for it to be fixed, up to their last attempt.
        _ if matches!(reply.status, 401 | 403) => Err(SendError::Transient(format!(
            "HTTP {}: check BREVO_API_KEY ({})",
            reply.status,
            brevo_message(&reply.body)
        ))),
        _ => Err(SendError::Refused {
            status: reply.status,
            detail: brevo_message(&reply.body),
        }),
    }
}

/// Brevo's error body `{"code": …, "message": …}`, shortened for the log.
fn brevo_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct Error {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_str::<Error>(body) {
        Ok(e) => format!(
            "{}: {}",
            e.code.unwrap_or_default(),
            e.message.unwrap_or_default()
        ),
        Err(_) => body.chars().take(200).collect(),
    }
}
