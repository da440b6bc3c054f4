//! The page behind a room URL: checks the `t` meeting token as Daily would at join time and
//! shows who is in the room and as what. When embedded, it tells the parent page what happened
//! with daily-js event names (`joined-meeting`, `left-meeting`, `error`).

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::content::Content;
use crate::meetings::{self, Joiner};
use crate::recordings::{self, RecordingInProgress};
use crate::state::{Presence, RoomRecord, Shared, Standin};
use crate::token::{self, Claims};

/// What the page says, in one language.
struct Texts {
    /// The page's `lang`.
    lang: &'static str,
    title: &'static str,
    you_are: &'static str,
    owner: &'static str,
    participant: &'static str,
    in_room: &'static str,
    leave: &'static str,
    left: &'static str,
    record: &'static str,
    stop: &'static str,
    not_allowed: &'static str,
    nbf_token: &'static str,
    exp_token: &'static str,
    no_room: &'static str,
    meeting_full: &'static str,
}

const FR: Texts = Texts {
    lang: "fr",
    title: "Salon vidéo (simulateur Daily)",
    you_are: "Vous êtes",
    owner: "propriétaire du salon",
    participant: "participant",
    in_room: "Dans le salon",
    leave: "Quitter l'appel",
    left: "Vous avez quitté l'appel.",
    record: "Enregistrer",
    stop: "Arrêter l'enregistrement",
    not_allowed: "Accès refusé : ce salon est privé et ce jeton n'est pas valable pour lui.",
    nbf_token: "Trop tôt : ce jeton n'est pas encore valable.",
    exp_token: "Ce jeton a expiré.",
    no_room: "Ce salon n'existe pas (ou a expiré).",
    meeting_full: "Le salon est complet.",
};

const EN: Texts = Texts {
    lang: "en",
    title: "Video room (Daily stand-in)",
    you_are: "You are",
    owner: "room owner",
    participant: "participant",
    in_room: "In the room",
    leave: "Leave call",
    left: "You left the call.",
    record: "Record",
    stop: "Stop recording",
    not_allowed: "Access denied: this room is private and this token is not valid for it.",
    nbf_token: "Too early: this token is not valid yet.",
    exp_token: "This token has expired.",
    no_room: "This room does not exist (or has expired).",
    meeting_full: "The room is full.",
};

/// Text made safe for HTML, in content and in quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Who a token's holder is present as.
fn presence_key(c: &Claims) -> String {
    crate::state::presence_key(c.ud.as_deref(), c.u.as_deref())
}

/// What the page of someone admitted shows: their claims, who is present, whether they may
/// record, and in which language.
struct Admitted {
    claims: Claims,
    present: Vec<Presence>,
    can_record: bool,
    texts: &'static Texts,
}

/// Whether a token lets its holder record in this room: owners only, where the room or the
/// token enables cloud recording.
fn can_record(room: &RoomRecord, claims: &Claims) -> bool {
    let room_cloud = room.config.get("enable_recording").and_then(|v| v.as_str()) == Some("cloud");
    claims.o && (room_cloud || claims.er.as_deref() == Some("cloud"))
}

/// When a participant who joins now is ejected (unix seconds, 0 for never): at the token's
/// `exp` with `eject_at_token_exp`, else at the room's with `eject_at_room_exp`.
fn will_eject_at(room: &RoomRecord, claims: &Claims) -> i64 {
    let room_eject = room
        .config
        .get("eject_at_room_exp")
        .and_then(|v| v.as_bool());
    match (claims.ejt, claims.exp, room_eject, room.exp()) {
        (Some(true), Some(exp), _, _) => exp,
        (_, _, Some(true), Some(exp)) => exp,
        _ => 0,
    }
}

/// Marks the token's holder present: a heartbeat if they are, else they join the room's
/// meeting (whose events go out in the background).
fn mark_present(s: &mut Standin, room: &str, claims: &Claims, will_eject_at: i64) {
    let key = presence_key(claims);
    let list = s.presence.entry(room.to_owned()).or_default();
    if let Some(p) = list.iter_mut().find(|p| p.key() == key) {
        p.last_seen = Instant::now();
        return;
    }
    let joiner = Joiner {
        user_id: claims.ud.clone(),
        user_name: claims.u.clone(),
        owner: claims.o,
        will_eject_at,
    };
    let now = s.now();
    let (session_id, events) = meetings::join(s, room, joiner, now);
    s.presence
        .entry(room.to_owned())
        .or_default()
        .push(Presence {
            user_name: claims.u.clone(),
            user_id: claims.ud.clone(),
            owner: claims.o,
            last_seen: Instant::now(),
            session_id,
        });
    s.emit(events);
}

/// Checks a token against a live room; the daily-js error type if it cannot join.
fn admit(
    shared: &Shared,
    room: &str,
    t: Option<&str>,
) -> Result<Admitted, (&'static str, &'static Texts)> {
    let mut s = shared.lock().unwrap();
    let now = s.now();
    let Some(record) = s.live_room(room, now) else {
        return Err(("no-room", &FR));
    };
    let texts = match record.config.get("lang").and_then(|l| l.as_str()) {
        Some("en") => &EN,
        _ => &FR,
    };
    let max = record
        .config
        .get("max_participants")
        .and_then(|m| m.as_u64())
        .unwrap_or(200) as usize;
    let Some(t) = t else {
        return Err(("not-allowed", texts));
    };
    let claims = token::verify(t, &s.api_key, room, &s.domain_id, now)
        .map_err(|r| (r.error_type(), texts))?;
    let can_record = can_record(record, &claims);
    let eject_at = will_eject_at(record, &claims);
    let key = presence_key(&claims);
    let others = s.present(room).iter().filter(|p| p.key() != key).count();
    if others >= max {
        return Err(("meeting-full", texts));
    }
    mark_present(&mut s, room, &claims, eject_at);
    Ok(Admitted {
        present: s.present(room),
        claims,
        can_record,
        texts,
    })
}

/// What the page says for a daily-js error type.
fn message_of(error: &str, t: &Texts) -> &'static str {
    match error {
        "nbf-token" => t.nbf_token,
        "exp-token" => t.exp_token,
        "no-room" | "exp-room" => t.no_room,
        "meeting-full" => t.meeting_full,
        _ => t.not_allowed,
    }
}

/// The participant list's items: each name with its role.
fn participants_html(list: &[Presence], t: &Texts) -> String {
    list.iter()
        .map(|p| {
            format!(
                r#"<li data-user-name="{n}" data-role="{r}">{n} — {label}</li>"#,
                n = escape(p.user_name.as_deref().unwrap_or("?")),
                r = if p.owner { "owner" } else { "participant" },
                label = if p.owner { t.owner } else { t.participant },
            )
        })
        .collect()
}

/// `GET /{name}?t=…`: the room as the token's holder joins it, or the reason they cannot.
pub async fn page(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (body, t) = match admit(&shared, &room, q.get("t").map(String::as_str)) {
        Ok(a) => (joined_html(&room, &a), a.texts),
        Err((error, t)) => (error_html(&room, error, t), t),
    };
    page_response(t.lang, &body)
}

/// The page's `<main>` for someone who joined: who they are, who is in the room, and what
/// the script needs (expiry, ejection, labels) in data attributes.
fn joined_html(room: &str, a: &Admitted) -> String {
    let (claims, t) = (&a.claims, a.texts);
    format!(
        r#"<main id="room" data-state="joined" data-room="{room}" data-user-name="{name}" data-role="{role}" data-owner="{owner}" data-exp="{exp}" data-eject="{eject}" data-left="{left}" data-owner-label="{owner_label}" data-participant-label="{participant_label}" data-recording="false">
<h1>{title}</h1>
<p class="room">{room}</p>
<p id="you">{you_are} <strong>{name}</strong> ({role_label})</p>
<h2>{in_room}</h2>
<ul id="participants">{list}</ul>
{recording}<button id="leave" type="button">{leave}</button>
</main>"#,
        room = escape(room),
        name = escape(claims.u.as_deref().unwrap_or("?")),
        role = if claims.o { "owner" } else { "participant" },
        owner = claims.o,
        exp = claims.exp.unwrap_or(0),
        eject = claims.ejt.unwrap_or(false),
        left = escape(t.left),
        owner_label = t.owner,
        participant_label = t.participant,
        title = t.title,
        you_are = t.you_are,
        role_label = if claims.o { t.owner } else { t.participant },
        in_room = t.in_room,
        list = participants_html(&a.present, t),
        recording = if a.can_record {
            recording_html(t)
        } else {
            String::new()
        },
        leave = t.leave,
    )
}

/// The owner's recording controls: Record, and Stop once recording.
fn recording_html(t: &Texts) -> String {
    format!(
        r#"<p id="recording-controls"><button id="record" type="button">{record}</button> <button id="stop" type="button" hidden>{stop}</button></p>
"#,
        record = t.record,
        stop = t.stop,
    )
}

/// The page's `<main>` for someone who cannot join: the daily-js error type and its message.
fn error_html(room: &str, error: &str, t: &Texts) -> String {
    format!(
        r#"<main id="room" data-state="error" data-error="{error}" data-room="{room}">
<h1>{title}</h1>
<p id="error" role="alert">{message}</p>
</main>"#,
        room = escape(room),
        title = t.title,
        message = message_of(error, t),
    )
}

/// The whole page around its `<main>`, uncached and sent without a referrer (its address
/// holds the token).
fn page_response(lang: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Daily stand-in</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;background:#101418;color:#f3f5f7}}
h1{{font-size:1.2rem}}.room{{color:#9aa5b1;font-family:monospace}}li{{margin:.3rem 0}}
button{{font-size:1rem;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#d64545;color:#fff;cursor:pointer}}
[role=alert]{{color:#ffb4b4}}</style>
<script src="/__standin/room.js" defer></script>
</head>
<body>{body}</body>
</html>"#
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

const ROOM_JS: &str = r#"// Room page behaviour: strip the token from the address bar (as Prebuilt does), keep presence
// alive, refresh the participant list, leave, and report to an embedding page.
(() => {
  const main = document.getElementById('room');
  const params = new URLSearchParams(location.search);
  const token = params.get('t');
  if (token) history.replaceState(null, '', location.pathname);
  const post = (message) => {
    if (window.parent !== window) window.parent.postMessage({ source: 'daily-standin', ...message }, '*');
  };
  if (!main) return;
  if (main.dataset.state === 'error') {
    post({ action: 'error', error: { type: main.dataset.error, msg: document.getElementById('error').textContent } });
    return;
  }
  const room = main.dataset.room;
  const base = `/__standin/rooms/${encodeURIComponent(room)}`;
  const auth = `?t=${encodeURIComponent(token || '')}`;
  const list = document.getElementById('participants');
  const render = (participants) => {
    list.replaceChildren(...participants.map((p) => {
      const li = document.createElement('li');
      li.dataset.userName = p.user_name || '?';
      li.dataset.role = p.owner ? 'owner' : 'participant';
      li.textContent = `${p.user_name || '?'} — ${p.owner ? main.dataset.ownerLabel : main.dataset.participantLabel}`;
      return li;
    }));
  };
  let timer = null;
  const beat = async () => {
    try {
      const r = await fetch(base + '/presence' + auth, { method: 'POST' });
      if (r.ok) render((await r.json()).participants);
    } catch (_) { /* the stand-in went away; keep the page */ }
  };
  timer = setInterval(beat, 3000);
  post({ action: 'joined-meeting', participants: { local: { user_name: main.dataset.userName, owner: main.dataset.owner === 'true' } } });
  const leave = async (reason) => {
    clearInterval(timer);
    try { await fetch(base + '/presence' + auth, { method: 'DELETE' }); } catch (_) {}
    main.dataset.state = 'left';
    main.replaceChildren(Object.assign(document.createElement('p'), { textContent: main.dataset.left }));
    if (reason) post({ action: 'error', error: { type: reason, msg: reason } });
    else post({ action: 'left-meeting' });
  };
  document.getElementById('leave').addEventListener('click', () => leave());
  const record = document.getElementById('record');
  const stop = document.getElementById('stop');
  const recording = async (method, on) => {
    const r = await fetch(base + '/recording' + auth, { method });
    if (!r.ok) return;
    main.dataset.recording = String(on);
    record.hidden = on;
    stop.hidden = !on;
    post({ action: on ? 'recording-started' : 'recording-stopped', recordingId: (await r.json()).recording?.id });
  };
  if (record) {
    record.addEventListener('click', () => recording('POST', true));
    stop.addEventListener('click', () => recording('DELETE', false));
  }
  // Closing the frame (or the tab) leaves the room at once rather than after the presence TTL.
  addEventListener('pagehide', () => {
    if (main.dataset.state === 'joined') fetch(base + '/presence' + auth, { method: 'DELETE', keepalive: true });
  });
  const exp = Number(main.dataset.exp);
  if (main.dataset.eject === 'true' && exp > 0) {
    const ms = exp * 1000 - Date.now();
    if (ms < 2 ** 31) setTimeout(() => leave('ejected'), Math.max(0, ms));
  }
})();
"#;

/// `GET /__standin/room.js`: the room page's script.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        ROOM_JS,
    )
        .into_response()
}

/// Who is in a room now, as JSON.
fn presence_response(shared: &Shared, room: &str) -> Response {
    let list = shared.lock().unwrap().present(room);
    Json(json!({ "participants": list })).into_response()
}

/// `POST /__standin/rooms/{name}/presence?t=…`: keeps the token's holder present (joining
/// them if need be, as the page does); 403 with the daily-js error type if they cannot join.
pub async fn heartbeat(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match admit(&shared, &room, q.get("t").map(String::as_str)) {
        Ok(_) => presence_response(&shared, &room),
        Err((error, _)) => (StatusCode::FORBIDDEN, Json(json!({ "error": error }))).into_response(),
    }
}

/// `DELETE /__standin/rooms/{name}/presence?t=…`: the token's holder leaves the room; 403 for
/// a token that is not valid for it.
pub async fn leave(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (key, known) = {
        let s = shared.lock().unwrap();
        match q
            .get("t")
            .map(|t| token::verify(t, &s.api_key, &room, &s.domain_id, s.now()))
        {
            Some(Ok(claims)) => (presence_key(&claims), true),
            _ => (String::new(), false),
        }
    };
    if !known {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "not-allowed" })),
        )
            .into_response();
    }
    leave_room(&mut shared.lock().unwrap(), &room, &key);
    presence_response(&shared, &room)
}

/// Takes `key`'s page out of the room: they leave its meeting (events in the background).
fn leave_room(s: &mut Standin, room: &str, key: &str) {
    let Some(list) = s.presence.get_mut(room) else {
        return;
    };
    let (gone, stay): (Vec<Presence>, Vec<Presence>) = list.drain(..).partition(|p| p.key() == key);
    *list = stay;
    let now = s.now();
    for p in gone {
        if let Ok(events) = meetings::leave(s, room, &p.session_id, now) {
            s.emit(events);
        }
    }
}

/// The owner token's claims, if `t` lets its holder record in this live room.
fn recorder(s: &Standin, room: &str, t: Option<&String>) -> Option<Claims> {
    let now = s.now();
    let record = s.live_room(room, now)?;
    let claims = token::verify(t?, &s.api_key, room, &s.domain_id, now).ok()?;
    can_record(record, &claims).then_some(claims)
}

fn forbidden(error: &str) -> Response {
    (StatusCode::FORBIDDEN, Json(json!({ "error": error }))).into_response()
}

/// `POST /__standin/rooms/{name}/recording?t=…`: the owner starts a cloud recording
/// (`recording.started`); 403 for anyone else, 409 when one is going on.
pub async fn start_recording(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap();
    let Some(claims) = recorder(&s, &room, q.get("t")) else {
        return forbidden("not-allowed");
    };
    if s.recording_in_progress.contains_key(&room) {
        return (
            StatusCode::CONFLICT,
            Json(json!({ "error": "already-recording" })),
        )
            .into_response();
    }
    let (id, start_ts) = (s.uuid(), s.now());
    let started_by = s
        .present(&room)
        .into_iter()
        .find(|p| p.key() == presence_key(&claims))
        .map_or_else(|| presence_key(&claims), |p| p.session_id);
    let payload = recordings::started_event(&mut s, &id, start_ts, &started_by);
    s.recording_in_progress.insert(
        room,
        RecordingInProgress {
            id: id.clone(),
            start_ts,
        },
    );
    s.emit(vec![("recording.started", payload)]);
    Json(json!({ "recording": { "id": id, "start_ts": start_ts } })).into_response()
}

/// `DELETE /__standin/rooms/{name}/recording?t=…`: the owner stops the recording, which is
/// then finished, lasting the time elapsed (`recording.ready-to-download`).
pub async fn stop_recording(
    State(shared): State<Shared>,
    Path(room): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = shared.lock().unwrap();
    if recorder(&s, &room, q.get("t")).is_none() {
        return forbidden("not-allowed");
    }
    let Some(going) = s.recording_in_progress.remove(&room) else {
        return (
            StatusCode::CONFLICT,
            Json(json!({ "error": "not-recording" })),
        )
            .into_response();
    };
    let duration = s.now() - going.start_ts;
    let (recording, payload) = recordings::finish(
        &mut s,
        &room,
        Some(going.id),
        going.start_ts,
        duration,
        Content::Video,
    );
    s.emit(vec![("recording.ready-to-download", payload)]);
    Json(json!({ "recording": recording })).into_response()
}

/// Every second, takes out the pages that stopped beating, so that they leave their meeting
/// (and its webhooks go out) even when no one looks at the room.
pub fn spawn_sweep(shared: &Shared) {
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            shared.lock().unwrap().expire_presence();
        }
    });
}

/// Who is in a room: for tests and the room page.
pub async fn participants(State(shared): State<Shared>, Path(room): Path<String>) -> Response {
    presence_response(&shared, &room)
}
