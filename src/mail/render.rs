//! What each mail says, in its recipient's language (French or English) and time zone: the
//! subject, an HTML part and a plain-text part. Links go to the sessions page, never to the
//! video room, and carry no token.

use crate::db::outbox::MailKind;
use crate::domain::locale::Locale;

/// One mail's facts, before words. Times come already written in the recipient's language and
/// zone (see [`super::when`]).
pub struct Facts<'a> {
    pub kind: MailKind,
    pub locale: Locale,
    pub recipient: &'a str,
    pub counterpart: &'a str,
    pub title: &'a str,
    /// The session's time: `mardi 24 novembre 2026, 19:00–20:00 UTC+1 (Europe/Paris)`.
    pub when: &'a str,
    /// The old time of a rescheduled session.
    pub previous: Option<&'a str>,
    /// The sessions page: the join flow of this session, or the list for a cancellation.
    pub link: &'a str,
    pub reminder_minutes: u32,
}

/// A written mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// The words of a mail: subject, opening line, and the button's label.
fn words(f: &Facts<'_>, when: &str) -> (String, String, &'static str) {
    let (who, title, n) = (f.counterpart, f.title, f.reminder_minutes);
    match (f.locale, f.kind) {
        (Locale::Fr, MailKind::Confirmation) => (
            format!("Session confirmée : {title} avec {who}"),
            format!("Votre session « {title} » avec {who} est confirmée : {when}."),
            "Rejoindre la session",
        ),
        (Locale::En, MailKind::Confirmation) => (
            format!("Session confirmed: {title} with {who}"),
            format!("Your session “{title}” with {who} is confirmed: {when}."),
            "Join the session",
        ),
        (Locale::Fr, MailKind::Reminder) => (
            format!("Rappel : votre session avec {who} commence dans {n} minutes"),
            format!("Votre session « {title} » avec {who} commence dans {n} minutes : {when}."),
            "Rejoindre la session",
        ),
        (Locale::En, MailKind::Reminder) => (
            format!("Reminder: your session with {who} starts in {n} minutes"),
            format!("Your session “{title}” with {who} starts in {n} minutes: {when}."),
            "Join the session",
        ),
        (Locale::Fr, MailKind::Rescheduled) => (
            format!("Session déplacée : {title} avec {who}"),
            format!(
                "Votre session « {title} » avec {who} a changé d'horaire. Nouvel horaire : {when}."
            ),
            "Voir la session",
        ),
        (Locale::En, MailKind::Rescheduled) => (
            format!("Session rescheduled: {title} with {who}"),
            format!("Your session “{title}” with {who} has moved. New time: {when}."),
            "See the session",
        ),
        (Locale::Fr, MailKind::Cancelled) => (
            format!("Session annulée : {title} avec {who}"),
            format!("Votre session « {title} » avec {who} est annulée. Elle était prévue {when}."),
            "Voir mes sessions",
        ),
        (Locale::En, MailKind::Cancelled) => (
            format!("Session cancelled: {title} with {who}"),
            format!("Your session “{title}” with {who} is cancelled. It was planned for {when}."),
            "See my sessions",
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Writes the mail.
pub fn write(f: &Facts<'_>) -> Written {
    let (subject, opening, action) = words(f, f.when);
    let previous = f.previous.map(|before| match f.locale {
        Locale::Fr => format!("Ancien horaire : {before}."),
        Locale::En => format!("Previous time: {before}."),
    });
    let (greeting, footer) = match f.locale {
        Locale::Fr => (
            format!("Bonjour {},", f.recipient),
            "L'invitation de calendrier jointe met votre agenda à jour. À bientôt sur Edgemy.",
        ),
        Locale::En => (
            format!("Hello {},", f.recipient),
            "The attached calendar invite updates your calendar. See you on Edgemy.",
        ),
    };
    // French puts a space before a colon.
    let colon = if f.locale == Locale::Fr { " :" } else { ":" };
    let mut lines = vec![greeting.clone(), String::new(), opening.clone()];
    lines.extend(previous.clone());
    lines.extend([
        String::new(),
        format!("{action}{colon} {}", f.link),
        String::new(),
    ]);
    lines.push(footer.to_owned());
    let text = lines.join("\n") + "\n";
    let previous_html = previous
        .map(|p| format!("<p>{}</p>", escape(&p)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><body style=\"font-family:system-ui,sans-serif;\
         color:#111;max-width:560px\"><p>{greeting}</p><p>{opening}</p>{previous_html}\
         <p><a href=\"{link}\" style=\"display:inline-block;padding:10px 16px;background:#136f3a;\
         color:#fff;border-radius:6px;text-decoration:none\">{action}</a></p>\
         <p style=\"color:#555;font-size:14px\">{footer}</p></body></html>",
        lang = f.locale.as_str(),
        greeting = escape(&greeting),
        opening = escape(&opening),
        link = escape(f.link),
        action = escape(action),
        footer = escape(footer),
    );
    Written {
        subject,
        html,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHEN_FR: &str = "mardi 24 novembre 2026, 19:00–20:00 UTC+1 (Europe/Paris)";

    fn facts(kind: MailKind, locale: Locale) -> Written {
        write(&Facts {
            kind,
            locale,
            recipient: "Léo",
            counterpart: "Camille <Martin>",
            title: "Revue de mains",
            when: WHEN_FR,
            previous: (kind == MailKind::Rescheduled)
                .then_some("lundi 23 novembre 2026, 19:00–20:00 UTC+1 (Europe/Paris)"),
            link: "https://sessions.edgemy.fr/?session=r-1",
            reminder_minutes: 15,
        })
    }

    #[test]
    fn each_kind_says_what_happened_in_the_recipients_language() {
        let fr = facts(MailKind::Confirmation, Locale::Fr);
        assert_eq!(
            fr.subject,
            "Session confirmée : Revue de mains avec Camille <Martin>"
        );
        assert!(fr.text.contains(WHEN_FR));
        assert!(fr
            .text
            .contains("Rejoindre la session : https://sessions.edgemy.fr/?session=r-1"));
        let en = facts(MailKind::Confirmation, Locale::En);
        assert!(en
            .text
            .contains("Join the session: https://sessions.edgemy.fr/?session=r-1"));
        let reminder = facts(MailKind::Reminder, Locale::En);
        assert_eq!(
            reminder.subject,
            "Reminder: your session with Camille <Martin> starts in 15 minutes"
        );
        let moved = facts(MailKind::Rescheduled, Locale::Fr);
        assert!(moved
            .text
            .contains("Ancien horaire : lundi 23 novembre 2026"));
        assert!(moved.text.contains(&format!("Nouvel horaire : {WHEN_FR}")));
        assert!(facts(MailKind::Cancelled, Locale::Fr)
            .subject
            .starts_with("Session annulée"));
    }

    #[test]
    fn html_is_escaped() {
        let cancelled = facts(MailKind::Cancelled, Locale::Fr);
        assert!(cancelled.html.contains("Camille &lt;Martin&gt;"));
        assert!(!cancelled.html.contains("<Martin>"));
        assert!(cancelled
            .html
            .starts_with("<!doctype html><html lang=\"fr\">"));
    }
}
