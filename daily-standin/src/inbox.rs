//! The dev inbox: pages to read the mails the Brevo side kept (server-rendered, no scripts, no
//! external assets; mail content is escaped, and the HTML part is shown in a sandboxed frame):
//!
//! - `GET /__inbox`: the mails, newest first (time, to, subject, tags), each linking to its
//!   page.
//! - `GET /__inbox/{messageId}` (the id URL-encoded): the mail's headers, its HTML part in an
//!   `<iframe sandbox srcdoc>`, its text part, and each attachment with its text when it is
//!   text (an `.ics`) and a download link; a 404 page for an unknown id.
//! - `GET /__inbox/{messageId}/attachments/{n}`: attachment `n` (from 0), served with its
//!   content type (`text/calendar; charset=utf-8; method=…` for an invitation).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::DateTime;

use crate::mail::{Attachment, Mail, Source};
use crate::room_page::escape;
use crate::state::Shared;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;color:#1f2933;\
background:#f5f7fa}h1{font-size:1.3rem}a{color:#1d4ed8}table{border-collapse:collapse;width:100%;\
background:#fff}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e4e7eb;\
vertical-align:top}th{color:#52606d;font-weight:600;white-space:nowrap}.tag{display:inline-block;\
background:#e0e7ff;border-radius:.6rem;padding:0 .5rem;margin-right:.3rem;font-size:.85rem}\
pre{background:#fff;border:1px solid #e4e7eb;padding:.8rem;white-space:pre-wrap;\
word-break:break-word}iframe{width:100%;height:28rem;border:1px solid #e4e7eb;background:#fff}\
.empty{color:#52606d}";

/// A whole page: no scripts, nothing loaded from elsewhere (images only inline).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\n<body>{body}</body>\n</html>\n",
        title = escape(title),
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        Html(html),
    )
        .into_response()
}

/// A message id as it goes in a path: everything but unreserved characters percent-encoded.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Unix milliseconds as `2026-05-01 14:03:12 UTC`.
fn when(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

fn tags_html(tags: &[String]) -> String {
    tags.iter()
        .map(|tag| format!("<span class=\"tag\">{}</span>", escape(tag)))
        .collect()
}

/// `GET /__inbox`.
pub async fn list(State(shared): State<Shared>) -> Response {
    let s = shared.lock().unwrap();
    let rows: String = s
        .mails
        .iter()
        .rev()
        .map(|mail| {
            let m = &mail.message;
            let to: Vec<String> = m.to.iter().map(|a| a.display()).collect();
            format!(
                "<tr><td>{when}</td><td>{to}</td><td><a href=\"/__inbox/{id}\">{subject}</a></td>\
<td>{tags}</td></tr>\n",
                when = when(mail.received_at),
                to = escape(&to.join(", ")),
                id = encode(&mail.message_id),
                subject = escape(&m.subject),
                tags = tags_html(&m.tags),
            )
        })
        .collect();
    let body = if rows.is_empty() {
        "<p class=\"empty\">No mail yet.</p>".to_owned()
    } else {
        format!("<table><tr><th>Received</th><th>To</th><th>Subject</th><th>Tags</th></tr>\n{rows}</table>")
    };
    let count = s.mails.len();
    page(
        StatusCode::OK,
        "Inbox",
        &format!("<h1>Inbox ({count})</h1>\n<p>Mails sent to the Brevo stand-in, newest first.</p>\n{body}"),
    )
}

fn not_found(what: &str) -> Response {
    let body = format!(
        "<h1>Not found</h1><p>{}</p><p><a href=\"/__inbox\">Back to the inbox</a></p>",
        escape(what)
    );
    page(StatusCode::NOT_FOUND, "Not found", &body)
}

/// `GET /__inbox/{messageId}`.
pub async fn mail(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let s = shared.lock().unwrap();
    match s.mails.iter().find(|mail| mail.message_id == id) {
        Some(mail) => page(StatusCode::OK, &mail.message.subject, &mail_html(mail)),
        None => not_found(&format!("No mail has the id {id}.")),
    }
}

/// The rows of a mail's header table: those of the mail that it has, its custom headers, its
/// tags.
fn header_rows(mail: &Mail) -> String {
    let m = &mail.message;
    let list = |addresses: &[crate::mail::Address]| {
        addresses
            .iter()
            .map(|a| a.display())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut rows = vec![
        ("From", m.sender.display()),
        ("To", list(&m.to)),
        ("Cc", list(&m.cc)),
        ("Bcc", list(&m.bcc)),
        (
            "Reply-To",
            m.reply_to.as_ref().map(|a| a.display()).unwrap_or_default(),
        ),
        ("Subject", m.subject.clone()),
        ("Date", when(mail.received_at)),
        ("Message-ID", mail.message_id.clone()),
    ];
    rows.retain(|(_, value)| !value.is_empty());
    let custom = m.headers.iter().map(|(name, value)| {
        let value = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        (name.as_str(), value)
    });
    rows.into_iter()
        .chain(custom)
        .map(|(name, value)| {
            format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(name),
                escape(&value)
            )
        })
        .chain(
            (!m.tags.is_empty())
                .then(|| format!("<tr><th>Tags</th><td>{}</td></tr>", tags_html(&m.tags))),
        )
        .collect()
}

/// A mail's page: headers, HTML part, text part, attachments.
fn mail_html(mail: &Mail) -> String {
    let m = &mail.message;
    let mut html = format!(
        "<p><a href=\"/__inbox\">← Inbox</a></p><h1>{}</h1>\n<table>{}</table>\n",
        escape(&m.subject),
        header_rows(mail)
    );
    if let Some(part) = &m.html_content {
        html += &format!(
            "<h2>HTML part</h2>\n<iframe sandbox title=\"HTML part\" srcdoc=\"{}\"></iframe>\n",
            escape(part)
        );
    }
    if let Some(part) = &m.text_content {
        html += &format!("<h2>Text part</h2>\n<pre>{}</pre>\n", escape(part));
    }
    if !m.attachments.is_empty() {
        html += "<h2>Attachments</h2>\n";
    }
    for (n, attachment) in m.attachments.iter().enumerate() {
        html += &attachment_html(&mail.message_id, n, attachment);
    }
    html
}

/// One attachment on a mail's page: name, type and size with a download link (or its URL),
/// and its text when it is text.
fn attachment_html(id: &str, n: usize, a: &Attachment) -> String {
    let name = escape(&a.name);
    let head = match &a.source {
        Source::Content(bytes) => format!(
            "<h3><a href=\"/__inbox/{}/attachments/{n}\" download=\"{name}\">{name}</a></h3>\
<p>{} · {} bytes</p>\n",
            encode(id),
            a.content_type,
            bytes.len()
        ),
        Source::Url(url) => format!(
            "<h3>{name}</h3><p>{} · given by URL, not fetched: <a href=\"{url}\" rel=\"noreferrer\">{url}</a></p>\n",
            a.content_type,
            url = escape(url)
        ),
    };
    match a.text() {
        Some(text) => format!("{head}<pre>{}</pre>\n", escape(text)),
        None => head,
    }
}

/// The `METHOD` of an iCalendar text (`REQUEST`, `CANCEL`, …), if it says one.
fn calendar_method(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|line| line.strip_prefix("METHOD:"))
        .map(str::trim)
        .filter(|method| {
            !method.is_empty()
                && method
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `GET /__inbox/{messageId}/attachments/{n}`.
pub async fn attachment(
    State(shared): State<Shared>,
    Path((id, n)): Path<(String, usize)>,
) -> Response {
    let s = shared.lock().unwrap();
    let Some(mail) = s.mails.iter().find(|mail| mail.message_id == id) else {
        return not_found(&format!("No mail has the id {id}."));
    };
    let Some(a) = mail.message.attachments.get(n) else {
        return not_found(&format!("The mail {id} has no attachment {n}."));
    };
    let Source::Content(bytes) = &a.source else {
        return not_found(&format!(
            "{} is given by URL; the stand-in does not fetch it.",
            a.name
        ));
    };
    let mut content_type = a.content_type.to_owned();
    if let Some(text) = a.text() {
        content_type += "; charset=utf-8";
        if let Some(method) = (a.content_type == "text/calendar")
            .then(|| calendar_method(text))
            .flatten()
        {
            content_type += &format!("; method={method}");
        }
    }
    let filename: String = a
        .name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_for_paths_and_texts_escaped() {
        assert_eq!(
            encode("<202605011403.12345678901@smtp-relay.mailin.fr>"),
            "%3C202605011403.12345678901%40smtp-relay.mailin.fr%3E"
        );
        assert_eq!(encode("é/?"), "%C3%A9%2F%3F");
        assert_eq!(
            calendar_method("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n"),
            Some("REQUEST")
        );
        assert_eq!(calendar_method("METHOD:bad value"), None);
        assert_eq!(when(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn the_html_part_stays_inside_its_sandboxed_frame() {
        let body = serde_json::json!({
            "sender": { "email": "a@b.co" },
            "to": [{ "email": "c@d.co" }],
            "subject": "<b>hi</b>",
            "htmlContent": "<p onclick=\"x()\">it's</p></iframe><script>alert(1)</script>",
        });
        let mail = Mail {
            message_id: "<1.2@x.y>".into(),
            received_at: 0,
            message: crate::mail::read(&body).unwrap(),
        };
        let html = mail_html(&mail);
        assert!(html.contains("srcdoc=\"&lt;p onclick=&quot;x()&quot;&gt;it&#39;s&lt;/p&gt;&lt;/iframe&gt;&lt;script&gt;"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
    }
}
