//! E-mails about sessions, through Brevo, from the D1 outbox ([`crate::db::outbox`]). The API
//! Worker queues a change's mails in the change's own batch and asks the jobs Worker (its
//! service binding `JOBS`) to send them once the answer is out; the jobs Worker's Cron Trigger
//! sends the reminders as they fall due, and whatever is left.
//!
//! Each mail is claimed before it is sent (one statement, with a lease), so overlapping runs,
//! retries and isolates send it once. A 429, a 5xx, a timeout or no connection is retried (the
//! outbound client's retries, then again from a later run, 1, 2, 4 and 8 minutes on); after the
//! fifth attempt, or at once on any other refusal, the mail is `failed` and logged. A timeout
//! leaves it unknown whether Brevo sent the mail: it is retried all the same, since a mail sent
//! twice costs less than a reminder never sent, and Brevo takes no idempotency key. Without
//! `BREVO_API_KEY` mail is off: due mails are marked `skipped`, and one log line per isolate
//! says so.

pub mod brevo;
pub mod ics;
pub mod render;
pub mod when;

use std::cell::Cell;

use chrono::TimeDelta;
use worker::{console_error, console_log, console_warn, Method, RequestInit};

use crate::api::Ctx;
use crate::config::{Config, MailConfig};
use crate::db::outbox::{self, Claimed, MailKind, MailStatus, Session};
use crate::db::Db;
use crate::domain::time::{from_unix, Instant};
use crate::error::AppError;

/// A claim lasts this long from when it is made: the outbound client gives up on one mail
/// within seconds, and a run claims at most [`BATCH`] of them.
const LEASE_SECONDS: i64 = 300;
pub const MAX_ATTEMPTS: i64 = 5;
/// A reminder later than this is not sent.
const LATE_SECONDS: i64 = 600;
/// Mails sent per run at most.
const BATCH: u32 = 20;

/// The binding of the jobs Worker, from the API Worker (`[[services]]` in wrangler.toml).
const JOBS: &str = "JOBS";

thread_local! {
    static OFF_LOGGED: Cell<bool> = const { Cell::new(false) };
    static QUEUE_LOGGED: Cell<bool> = const { Cell::new(false) };
}

/// The sending settings, or `None` when mail is off: then one log line per isolate says why.
pub fn settings(config: &Config) -> Option<&MailConfig> {
    let why = match &config.mail {
        Ok(Some(mail)) => return Some(mail),
        Ok(None) => "no BREVO_API_KEY".to_owned(),
        Err(e) => e.to_string(),
    };
    if !OFF_LOGGED.with(|logged| logged.replace(true)) {
        console_warn!("mail is off ({why}): due e-mails are marked skipped, none is sent");
    }
    None
}

/// The reminder's lead that changes queue their mails with; `None` (nothing queued, one log
/// line per isolate) when `REMINDER_MINUTES` is malformed.
pub fn queueing(config: &Config) -> Option<u32> {
    match &config.reminder_minutes {
        Ok(minutes) => Some(*minutes),
        Err(e) => {
            if !QUEUE_LOGGED.with(|logged| logged.replace(true)) {
                console_error!("no e-mail is queued: {e}");
            }
            None
        }
    }
}

/// The wait before the next try after `attempts` failed ones: 1, 2, 4, 8 minutes.
pub fn backoff(attempts: i64) -> TimeDelta {
    let doublings = u32::try_from(attempts.clamp(1, 6) - 1).unwrap_or(0);
    TimeDelta::minutes(2_i64.pow(doublings))
}

/// What one delivery did.
#[derive(Debug, Default)]
pub struct Report {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// Asks the jobs Worker to send the mails of reservation `id`, once the answer has gone
/// (`wait_until`). Whatever it does not send, its next scheduled run does.
pub fn deliver_soon(ctx: &Ctx, id: String) {
    let jobs = match ctx.env.service(JOBS) {
        Ok(jobs) => jobs,
        Err(e) => {
            console_warn!(
                "no {JOBS} binding ({e}): the mails of {id} wait for the jobs Worker's next run"
            );
            return;
        }
    };
    ctx.runtime.wait_until(async move {
        let mut init = RequestInit::new();
        init.with_method(Method::Post);
        match jobs
            .fetch(format!("https://jobs/deliver/{id}"), Some(init))
            .await
        {
            Ok(response) if response.status_code() == 200 => {}
            Ok(response) => console_warn!(
                "the jobs Worker answered {} for the mails of {id}; its next run sends them",
                response.status_code()
            ),
            Err(e) => console_warn!("mails of {id} left to the jobs Worker's next run: {e}"),
        }
    });
}

/// What the jobs Worker does with due mails: sends them; with mail off (no `BREVO_API_KEY`)
/// marks them skipped; with a malformed mail setting leaves them due and says so at every run,
/// so that they go out once it is fixed.
pub async fn deliver_or_skip(
    db: &Db,
    config: &Config,
    now: Instant,
    reservation: Option<&str>,
) -> Result<Report, AppError> {
    match &config.mail {
        Ok(Some(mail)) => deliver(db, mail, now, reservation).await,
        Ok(None) => {
            settings(config);
            Ok(Report {
                skipped: outbox::skip_due(db, now, reservation).await?,
                ..Report::default()
            })
        }
        Err(e) => {
            console_error!("no e-mail is sent until this is fixed: {e}");
            Ok(Report::default())
        }
    }
}

/// Sends what is due (of one reservation, or of all), reminders too late skipped first.
pub async fn deliver(
    db: &Db,
    mail: &MailConfig,
    now: Instant,
    reservation: Option<&str>,
) -> Result<Report, AppError> {
    let mut report = Report {
        skipped: outbox::skip_stale_reminders(db, now, LATE_SECONDS).await?,
        ..Report::default()
    };
    let claim = uuid::Uuid::new_v4().to_string();
    // From the later of the run's time and the clock: a run may start late, and a claim must
    // outlast the run's own view of time too.
    let lease_until = now.max(crate::http::now()) + TimeDelta::seconds(LEASE_SECONDS);
    let claimed = outbox::claim(
        db,
        &claim,
        now,
        lease_until,
        MAX_ATTEMPTS,
        reservation,
        BATCH,
    )
    .await?;
    let mut sessions: Vec<Session> = Vec::new();
    for row in &claimed {
        if !sessions.iter().any(|s| s.id == row.reservation_id) {
            match outbox::session(db, &row.reservation_id).await? {
                Some(session) => sessions.push(session),
                None => {
                    let gone = "the reservation no longer exists";
                    let failed = MailStatus::Failed;
                    outbox::not_sent(db, &row.id, &claim, failed, now, gone).await?;
                    continue;
                }
            }
        }
        let session = sessions.iter().find(|s| s.id == row.reservation_id);
        let Some(session) = session else { continue };
        send_one(db, mail, session, row, &claim, now, &mut report).await?;
    }
    Ok(report)
}

/// Why a mail no longer applies when its turn comes: the session was cancelled since (all but the
/// cancellation's notice), or moved to another slot since (a confirmation, a reminder, or the
/// notice of an earlier move).
fn outdated(session: &Session, row: &Claimed) -> Option<&'static str> {
    if row.kind == MailKind::Cancelled {
        None
    } else if session.status == "cancelled" {
        Some("the session was cancelled before it went out")
    } else if session.start_at != row.slot_start {
        Some("the session moved before it went out")
    } else {
        None
    }
}

/// Writes and sends one claimed mail, and records what came of it.
async fn send_one(
    db: &Db,
    mail: &MailConfig,
    session: &Session,
    row: &Claimed,
    claim: &str,
    now: Instant,
    report: &mut Report,
) -> Result<(), AppError> {
    if let Some(why) = outdated(session, row) {
        report.skipped += 1;
        return outbox::not_sent(db, &row.id, claim, MailStatus::Cancelled, now, why).await;
    }
    let to = session.person(row.recipient_role);
    if to.email.trim().is_empty() {
        report.skipped += 1;
        let no_address = "the recipient has no e-mail address";
        return outbox::not_sent(db, &row.id, claim, MailStatus::Skipped, now, no_address).await;
    }
    let written = write(mail, session, row, now);
    let outgoing = brevo::Mail {
        to_email: &to.email,
        to_name: &to.name,
        subject: &written.0.subject,
        html: &written.0.html,
        text: &written.0.text,
        ics: &written.1,
        tag: row.kind.as_str(),
    };
    match brevo::send(mail, &outgoing).await {
        Ok(message_id) => {
            report.sent += 1;
            console_log!(
                "mail {} ({}) of {} sent",
                row.id,
                row.kind.as_str(),
                row.reservation_id
            );
            outbox::sent(db, &row.id, claim, message_id.as_deref(), now).await
        }
        Err(e) => {
            let give_up =
                !matches!(e, brevo::SendError::Transient(_)) || row.attempts >= MAX_ATTEMPTS;
            let status = if give_up {
                MailStatus::Failed
            } else {
                MailStatus::Pending
            };
            if give_up {
                report.failed += 1;
                console_error!(
                    "mail {} ({}) of {} failed for good after {} attempts: {e}",
                    row.id,
                    row.kind.as_str(),
                    row.reservation_id,
                    row.attempts
                );
            } else {
                report.retried += 1;
                console_warn!(
                    "mail {} ({}) of {} not sent (attempt {}), retrying later: {e}",
                    row.id,
                    row.kind.as_str(),
                    row.reservation_id,
                    row.attempts
                );
            }
            let retry_at = now + backoff(row.attempts);
            outbox::not_sent(db, &row.id, claim, status, retry_at, &e.to_string()).await
        }
    }
}

/// The mail of a claimed row, in its recipient's words, and its calendar invite.
fn write(
    mail: &MailConfig,
    session: &Session,
    row: &Claimed,
    now: Instant,
) -> (render::Written, String) {
    let role = row.recipient_role;
    let to = session.person(role);
    let counterpart = session.person(match role {
        crate::domain::window::Role::Coach => crate::domain::window::Role::Player,
        crate::domain::window::Role::Player => crate::domain::window::Role::Coach,
    });
    let link = match row.kind {
        MailKind::Cancelled => format!("{}/", mail.app_url),
        _ => format!("{}/?session={}", mail.app_url, row.reservation_id),
    };
    let (start, end) = (from_unix(row.slot_start), from_unix(row.slot_end));
    let at = when::when(to.locale, &to.time_zone, start, end);
    let before = row
        .previous_start
        .zip(row.previous_end)
        .map(|(s, e)| when::when(to.locale, &to.time_zone, from_unix(s), from_unix(e)));
    let written = render::write(&render::Facts {
        kind: row.kind,
        locale: to.locale,
        recipient: &to.name,
        counterpart: &counterpart.name,
        title: &session.title,
        when: &at,
        previous: before.as_deref(),
        link: &link,
        // The time left as the mail goes out (a retried reminder is later than planned).
        reminder_minutes: u32::try_from(((row.slot_start - now.timestamp()) + 59) / 60)
            .unwrap_or(1)
            .clamp(1, mail.reminder_minutes),
    });
    let summary = match to.locale {
        crate::domain::locale::Locale::Fr => format!("{} avec {}", session.title, counterpart.name),
        crate::domain::locale::Locale::En => format!("{} with {}", session.title, counterpart.name),
    };
    let host = mail
        .app_url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or("edgemy.fr");
    let invite = ics::Invite {
        reservation_id: &row.reservation_id,
        host,
        sequence: u32::try_from(row.sequence).unwrap_or(0),
        start,
        end,
        summary: &summary,
        description: &link,
        url: &link,
        organizer: (&mail.from_name, &mail.from_email),
        attendee: (&to.name, &to.email),
        cancelled: row.kind == MailKind::Cancelled,
        now,
    };
    (written, invite.to_ics())
}
