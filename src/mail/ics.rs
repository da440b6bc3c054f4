//! The calendar invite attached to a session's mails (RFC 5545, with RFC 5546's methods):
//! `METHOD:REQUEST` for a booking or a new time, `METHOD:CANCEL` for a cancellation. The `UID`
//! is the reservation's, and `SEQUENCE` grows with each change, so calendars update the one
//! event instead of adding another.

use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

use crate::domain::time::Instant;

/// What the invite says.
pub struct Invite<'a> {
    pub reservation_id: &'a str,
    /// The host the UID is qualified with (the app's).
    pub host: &'a str,
    pub sequence: u32,
    pub start: Instant,
    pub end: Instant,
    pub summary: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub organizer: (&'a str, &'a str),
    pub attendee: (&'a str, &'a str),
    pub cancelled: bool,
    pub now: Instant,
}

/// A name or a title as a property value or a parameter may hold it: no control characters
/// (no line of its own) and no double quotes (which would end a quoted parameter).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() || c == '"' { ' ' } else { c })
        .collect()
}

fn person(key: &str, (name, email): (&str, &str)) -> Property {
    let mut property = Property::new(key, format!("mailto:{}", clean(email)));
    property.add_parameter("CN", &clean(name));
    property
}

impl Invite<'_> {
    /// The `.ics` text (CRLF line endings, long lines folded, as RFC 5545 wants).
    pub fn to_ics(&self) -> String {
        let mut attendee = person("ATTENDEE", self.attendee);
        attendee
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("PARTSTAT", "ACCEPTED");
        let event = Event::new()
            .uid(&format!(
                "reservation-{}@{}",
                self.reservation_id, self.host
            ))
            .sequence(self.sequence)
            .timestamp(self.now)
            .starts(self.start)
            .ends(self.end)
            .summary(&clean(self.summary))
            .description(self.description)
            .url(self.url)
            .status(if self.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            })
            .append_property(person("ORGANIZER", self.organizer))
            .append_multi_property(attendee)
            .done();
        Calendar::new()
            .append_property(Property::new("PRODID", "-//Edgemy//Sessions//EN"))
            .append_property(Property::new(
                "METHOD",
                if self.cancelled { "CANCEL" } else { "REQUEST" },
            ))
            .push(event)
            .done()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_rfc3339;

    fn base() -> Invite<'static> {
        Invite {
            reservation_id: "r-1",
            host: "sessions.edgemy.fr",
            sequence: 0,
            start: parse_rfc3339("2026-11-24T18:00:00Z").unwrap(),
            end: parse_rfc3339("2026-11-24T19:00:00Z").unwrap(),
            summary: "Revue de mains avec Camille Martin",
            description: "Rejoindre : https://sessions.edgemy.fr/?session=r-1",
            url: "https://sessions.edgemy.fr/?session=r-1",
            organizer: ("Edgemy", "sessions@edgemy.fr"),
            attendee: ("Léo Dubois", "leo@example.test"),
            cancelled: false,
            now: parse_rfc3339("2026-11-20T10:00:00Z").unwrap(),
        }
    }

    fn invite(cancelled: bool, sequence: u32) -> String {
        Invite {
            cancelled,
            sequence,
            ..base()
        }
        .to_ics()
    }

    #[test]
    fn a_request_with_a_stable_uid_and_its_sequence() {
        let ics = invite(false, 0);
        for line in [
            "BEGIN:VCALENDAR",
            "PRODID:-//Edgemy//Sessions//EN",
            "METHOD:REQUEST",
            "UID:reservation-r-1@sessions.edgemy.fr",
            "SEQUENCE:0",
            "DTSTART:20261124T180000Z",
            "DTEND:20261124T190000Z",
            "STATUS:CONFIRMED",
            "ORGANIZER;CN=Edgemy:mailto:sessions@edgemy.fr",
        ] {
            assert!(ics.contains(&format!("{line}\r\n")), "{line} in\n{ics}");
        }
        let moved = invite(false, 1);
        assert!(moved.contains("SEQUENCE:1\r\n"));
    }

    #[test]
    fn names_cannot_break_the_invite() {
        let ics = Invite {
            attendee: (
                "Léo \"Le Fou\"\r\nATTENDEE:mailto:x@evil.test",
                "leo@example.test",
            ),
            summary: "Revue\r\nMETHOD:CANCEL",
            ..base()
        }
        .to_ics();
        assert!(!ics.contains("\r\nATTENDEE:mailto:x@evil.test"), "{ics}");
        assert!(!ics.contains("\r\nMETHOD:CANCEL"), "{ics}");
        let lines_of = |key: &str| ics.split("\r\n").filter(|l| l.starts_with(key)).count();
        assert_eq!(lines_of("METHOD:"), 1);
        assert_eq!(lines_of("ATTENDEE"), 1);
    }

    #[test]
    fn a_cancellation_cancels_the_same_event() {
        let ics = invite(true, 2);
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("STATUS:CANCELLED\r\n"));
        assert!(ics.contains("UID:reservation-r-1@sessions.edgemy.fr\r\n"));
        assert!(ics.contains("SEQUENCE:2\r\n"));
    }
}
