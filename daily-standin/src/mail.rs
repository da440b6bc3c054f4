//! Transactional e-mails as Brevo's `POST /v3/smtp/email` takes them: the body checked as Brevo
//! checks it (the first problem found is the answer, with Brevo's `missing_parameter` or
//! `invalid_parameter` code), and the mail the stand-in keeps, as `GET /__control/mails` shows
//! it. The stand-in has no templates: `templateId` and `messageVersions` are refused; other
//! fields Brevo documents (`params`, `scheduledAt`, `batchId`) are taken and ignored.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Why Brevo refuses a body: its error `code` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

/// Brevo's `missing_parameter` for a field not given.
fn missing(message: impl Into<String>) -> Refusal {
    Refusal {
        code: "missing_parameter",
        message: message.into(),
    }
}

/// Brevo's `invalid_parameter` for a field given wrong.
pub fn invalid(message: impl Into<String>) -> Refusal {
    Refusal {
        code: "invalid_parameter",
        message: message.into(),
    }
}

/// The attachment extensions Brevo allows, with the content type each is served with.
const EXTENSIONS: &[(&str, &str)] = &[
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("xls", "application/vnd.ms-excel"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("docm", "application/vnd.ms-word.document.macroEnabled.12"),
    ("doc", "application/msword"),
    ("csv", "text/csv"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("gif", "image/gif"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("rtf", "application/rtf"),
    ("bmp", "image/bmp"),
    ("cgm", "image/cgm"),
    ("css", "text/css"),
    ("shtml", "text/html"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("zip", "application/zip"),
    ("xml", "text/xml"),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("tar", "application/x-tar"),
    ("ez", "application/andrew-inset"),
    ("ics", "text/calendar"),
    ("mobi", "application/x-mobipocket-ebook"),
    ("msg", "application/vnd.ms-outlook"),
    ("pub", "application/x-mspublisher"),
    ("eps", "application/postscript"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("m4v", "video/x-m4v"),
    ("wma", "audio/x-ms-wma"),
    ("ogg", "audio/ogg"),
    ("flac", "audio/flac"),
    ("wav", "audio/wav"),
    ("aif", "audio/aiff"),
    ("aifc", "audio/aiff"),
    ("aiff", "audio/aiff"),
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("avi", "video/x-msvideo"),
    ("mkv", "video/x-matroska"),
    ("mpeg", "video/mpeg"),
    ("mpg", "video/mpeg"),
    ("wmv", "video/x-ms-wmv"),
];

/// A sender or recipient: an address and, optionally, a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Address {
    /// `Name <email>`, or the bare address.
    pub fn display(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} <{}>", self.email),
            None => self.email.clone(),
        }
    }
}

/// Where an attachment's bytes are: given inline (decoded), or at a URL (never fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Content(Vec<u8>),
    Url(String),
}

/// One attachment: its name, the content type of its extension, its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub source: Source,
}

impl Attachment {
    /// The content as text, when it is text (by its type) in UTF-8.
    pub fn text(&self) -> Option<&str> {
        let textual = self.content_type.starts_with("text/");
        match &self.source {
            Source::Content(bytes) if textual => std::str::from_utf8(bytes).ok(),
            _ => None,
        }
    }

    /// `{"name", "contentType", "content", "size"}`: the content as text when it is text, else
    /// base64; an attachment given by URL has `"url"`, and `content` and `size` null.
    fn to_json(&self) -> Value {
        let mut out = json!({ "name": self.name, "contentType": self.content_type });
        match &self.source {
            Source::Content(bytes) => {
                let content = self
                    .text()
                    .map_or_else(|| BASE64.encode(bytes), str::to_owned);
                out["content"] = json!(content);
                out["size"] = json!(bytes.len());
            }
            Source::Url(url) => {
                out["url"] = json!(url);
                out["content"] = Value::Null;
                out["size"] = Value::Null;
            }
        }
        out
    }
}

/// What a checked body asks to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub sender: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Option<Address>,
    pub subject: String,
    pub html_content: Option<String>,
    pub text_content: Option<String>,
    pub tags: Vec<String>,
    pub headers: Map<String, Value>,
    pub attachments: Vec<Attachment>,
}

/// A mail the Brevo side took: the message, the id it answered, when (unix milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub message_id: String,
    pub received_at: i64,
    pub message: Message,
}

impl Mail {
    /// The mail as `GET /__control/mails` lists it.
    pub fn to_json(&self) -> Value {
        let m = &self.message;
        json!({
            "messageId": self.message_id,
            "receivedAt": self.received_at,
            "sender": m.sender,
            "to": m.to,
            "cc": m.cc,
            "bcc": m.bcc,
            "replyTo": m.reply_to,
            "subject": m.subject,
            "htmlContent": m.html_content,
            "textContent": m.text_content,
            "tags": m.tags,
            "headers": m.headers,
            "attachments": m.attachments.iter().map(Attachment::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Checks a `POST /v3/smtp/email` body as Brevo does; the message it asks to send, or the
/// first problem found.
pub fn read(body: &Value) -> Result<Message, Refusal> {
    let body = body
        .as_object()
        .ok_or_else(|| invalid("Input must be a valid JSON object"))?;
    if body.contains_key("templateId") || body.contains_key("messageVersions") {
        return Err(invalid(
            "templateId and messageVersions are not supported: the stand-in has no templates; \
             send subject and htmlContent or textContent",
        ));
    }
    let sender =
        address(body.get("sender"), "sender")?.ok_or_else(|| missing("sender is missing"))?;
    let to = recipients(body.get("to"), "to")?;
    if to.is_empty() {
        return Err(missing("to is missing"));
    }
    let subject = text(body, "subject")?.ok_or_else(|| missing("subject is missing"))?;
    let html_content = text(body, "htmlContent")?;
    let text_content = text(body, "textContent")?;
    if html_content.is_none() && text_content.is_none() {
        return Err(missing("Either of htmlContent or textContent is required"));
    }
    Ok(Message {
        sender,
        to,
        cc: recipients(body.get("cc"), "cc")?,
        bcc: recipients(body.get("bcc"), "bcc")?,
        reply_to: address(body.get("replyTo"), "replyTo")?,
        subject,
        html_content,
        text_content,
        tags: tags(body.get("tags"))?,
        headers: headers(body.get("headers"))?,
        attachments: attachments(body.get("attachment"))?,
    })
}

/// A text field: `None` when absent, null or blank; refused when not a string.
fn text(body: &Map<String, Value>, field: &str) -> Result<Option<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{field} should be a string"))),
    }
}

/// An `{email, name?}` object (`None` when absent or null), its address checked.
fn address(value: Option<&Value>, field: &str) -> Result<Option<Address>, Refusal> {
    let object = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(invalid(format!("{field} is not valid"))),
    };
    let email = match object.get("email") {
        None | Some(Value::Null) => return Err(missing(format!("email is missing in {field}"))),
        Some(Value::String(email)) if is_email(email) => email.clone(),
        Some(_) => return Err(invalid(format!("email is not valid in {field}"))),
    };
    let name = match object.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(invalid(format!("name is not valid in {field}"))),
    };
    Ok(Some(Address { email, name }))
}

/// A list of `{email, name?}` objects (empty when absent or null).
fn recipients(value: Option<&Value>, field: &str) -> Result<Vec<Address>, Refusal> {
    let list = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(invalid(format!(
                "{field} should be an array of {{\"email\", \"name\"?}} objects"
            )))
        }
    };
    list.iter()
        .map(|item| {
            address(Some(item), field)?.ok_or_else(|| invalid(format!("{field} is not valid")))
        })
        .collect()
}

/// An e-mail address as Brevo takes one: `local@domain`, the domain's labels letters, digits
/// and inner hyphens, with at least one dot; no spaces or characters that need quoting.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// `tags`: an array of strings (empty when absent).
fn tags(value: Option<&Value>) -> Result<Vec<String>, Refusal> {
    let refused = || invalid("tags should be an array of strings");
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|tag| tag.as_str().map(str::to_owned).ok_or_else(refused))
            .collect(),
        Some(_) => Err(refused()),
    }
}

/// `headers`: an object of custom headers (empty when absent).
fn headers(value: Option<&Value>) -> Result<Map<String, Value>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(headers)) => Ok(headers.clone()),
        Some(_) => Err(invalid("headers should be an object")),
    }
}

/// `attachment`: an array of `{name, content}` or `{url, name?}` objects (empty when absent).
fn attachments(value: Option<&Value>) -> Result<Vec<Attachment>, Refusal> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list.iter().map(attachment).collect(),
        Some(_) => Err(invalid("attachment should be an array")),
    }
}

/// One attachment: `content` (base64, with `name`) or else `url` (absolute http(s); its last
/// path segment names it when `name` is absent), and an extension Brevo allows.
fn attachment(value: &Value) -> Result<Attachment, Refusal> {
    let object = value
        .as_object()
        .ok_or_else(|| invalid("attachment is not valid"))?;
    let field = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid(format!("'{key}' is not valid in attachment"))),
    };
    let (name, content, url) = (field("name")?, field("content")?, field("url")?);
    let (name, source) = match (content, url) {
        (Some(content), _) => {
            let name = name.ok_or_else(|| missing("'name' is missing in attachment"))?;
            (name.to_owned(), Source::Content(decode(content, name)?))
        }
        (None, Some(url)) => {
            let name = name.map(str::to_owned).unwrap_or_else(|| url_name(url));
            (name, Source::Url(checked_url(url)?.to_owned()))
        }
        (None, None) => return Err(missing("'content' or 'url' is missing in attachment")),
    };
    Ok(Attachment {
        content_type: content_type(&name)?,
        name,
        source,
    })
}

/// An attachment's base64 content, decoded (line breaks and spaces in it are allowed).
fn decode(content: &str, name: &str) -> Result<Vec<u8>, Refusal> {
    let compact: String = content
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    match BASE64.decode(compact) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(invalid(format!(
            "'content' is not valid in attachment {name}: it must be base64"
        ))),
    }
}

/// An attachment URL, if absolute http(s) with a host.
fn checked_url(url: &str) -> Result<&str, Refusal> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| invalid(format!("'url' is not valid in attachment: {url}")))?;
    if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() {
        Ok(url)
    } else {
        Err(invalid(format!(
            "'url' is not valid in attachment: {url} is not an absolute http(s) URL"
        )))
    }
}

/// The last segment of a URL's path (without its query).
fn url_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// The content type of an attachment name's extension, if Brevo allows it.
fn content_type(name: &str) -> Result<&'static str, Refusal> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    EXTENSIONS
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map(|(_, content_type)| *content_type)
        .ok_or_else(|| {
            invalid(format!(
                "attachment {name}: the extension '{extension}' is not allowed (allowed: {})",
                EXTENSIONS
                    .iter()
                    .map(|(ext, _)| *ext)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        json!({
            "sender": { "email": "no-reply@edgemy.fr", "name": "Edgemy" },
            "to": [{ "email": "leo@example.com", "name": "Léo" }],
            "subject": "Votre session",
            "textContent": "Bonjour",
        })
    }

    fn refusal(change: impl FnOnce(&mut Value)) -> (&'static str, String) {
        let mut body = body();
        change(&mut body);
        let refusal = read(&body).expect_err("refused");
        (refusal.code, refusal.message)
    }

    #[test]
    fn a_complete_body_is_read_with_its_attachment_decoded() {
        let mut body = body();
        body["tags"] = json!(["session"]);
        body["headers"] = json!({ "X-Mailin-custom": "abc" });
        body["attachment"] = json!([
            { "name": "invite.ics", "content": BASE64.encode("BEGIN:VCALENDAR\r\n") },
            { "url": "https://files.example.com/guide.pdf?v=2" },
        ]);
        let message = read(&body).unwrap();
        assert_eq!(message.to[0].display(), "Léo <leo@example.com>");
        assert_eq!(message.tags, ["session"]);
        let [ics, pdf] = &message.attachments[..] else {
            panic!("two attachments")
        };
        assert_eq!(
            (ics.content_type, ics.text()),
            ("text/calendar", Some("BEGIN:VCALENDAR\r\n"))
        );
        assert_eq!(
            (pdf.name.as_str(), pdf.content_type),
            ("guide.pdf", "application/pdf")
        );
        let shown = pdf.to_json();
        assert_eq!(
            (shown["url"].as_str(), shown["size"].is_null()),
            (Some("https://files.example.com/guide.pdf?v=2"), true)
        );
    }

    #[test]
    fn missing_fields_are_missing_parameters() {
        let missing = |field: &str| refusal(|b| drop(b.as_object_mut().unwrap().remove(field)));
        assert_eq!(
            missing("sender"),
            ("missing_parameter", "sender is missing".into())
        );
        assert_eq!(missing("to"), ("missing_parameter", "to is missing".into()));
        assert_eq!(
            missing("subject"),
            ("missing_parameter", "subject is missing".into())
        );
        assert_eq!(
            missing("textContent"),
            (
                "missing_parameter",
                "Either of htmlContent or textContent is required".into()
            )
        );
        assert_eq!(
            refusal(|b| b["subject"] = json!("  ")).0,
            "missing_parameter"
        );
        assert_eq!(refusal(|b| b["to"] = json!([])).0, "missing_parameter");
    }

    #[test]
    fn wrong_fields_are_invalid_parameters() {
        let cases = [
            (
                "to",
                json!([{ "email": "leo@" }]),
                "email is not valid in to",
            ),
            (
                "sender",
                json!({ "email": "no reply@edgemy.fr" }),
                "email is not valid in sender",
            ),
            ("replyTo", json!("coach@edgemy.fr"), "replyTo is not valid"),
            (
                "cc",
                json!([{ "email": "x@localhost" }]),
                "email is not valid in cc",
            ),
            (
                "tags",
                json!(["ok", 3]),
                "tags should be an array of strings",
            ),
            ("templateId", json!(12), "the stand-in has no templates"),
            (
                "attachment",
                json!([{ "name": "a.ics", "content": "not base64!" }]),
                "'content' is not valid in attachment a.ics",
            ),
            (
                "attachment",
                json!([{ "name": "run.exe", "content": "TVo=" }]),
                "the extension 'exe' is not allowed",
            ),
            (
                "attachment",
                json!([{ "url": "/local/file.pdf" }]),
                "'url' is not valid in attachment",
            ),
        ];
        for (field, value, message) in cases {
            let (code, text) = refusal(|b| b[field] = value);
            assert_eq!(code, "invalid_parameter", "{text}");
            assert!(text.contains(message), "{text:?} should say {message:?}");
        }
        assert_eq!(
            refusal(|b| b["attachment"] = json!([{ "content": "TVo=" }])),
            (
                "missing_parameter",
                "'name' is missing in attachment".into()
            )
        );
        assert_eq!(read(&json!([1])).unwrap_err().code, "invalid_parameter");
    }

    #[test]
    fn addresses_are_checked_like_brevo() {
        for good in ["a@b.co", "first.last+tag@sub.example.fr", "léo@exemple.fr"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@b..co", "a@-b.co", "a b@c.co", "<a@b.co>", "a@b@c.co",
            ".a@b.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
