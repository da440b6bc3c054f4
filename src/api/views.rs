//! How the API shows a reservation (pure): camelCase JSON, instants in RFC 3339 UTC.

use serde::Serialize;

use crate::auth::Identity;
use crate::daily::api::Room;
use crate::db::reservations::ReservationRow;
use crate::domain::booking::NewBooking;
use crate::domain::call::{CallReport, CallView};
use crate::domain::ids::ReservationId;
use crate::domain::reservation::ReservationStatus;
use crate::domain::time::Instant;
use crate::rooms::policy::VideoStatus;

/// A reservation as the API shows it (`POST /reservations`, `GET`/`PATCH /reservations/:id`,
/// cancel).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    pub id: String,
    pub announcement_id: String,
    pub coach_id: String,
    pub player_id: String,
    pub start_date: Instant,
    pub end_date: Instant,
    pub status: ReservationStatus,
    pub video_status: VideoStatus,
    pub daily_room_name: Option<String>,
    pub daily_room_url: Option<String>,
    pub rescheduled_at: Option<Instant>,
    pub created_at: Instant,
    #[serde(flatten)]
    pub call: CallView,
}

impl From<ReservationRow> for ReservationView {
    fn from(r: ReservationRow) -> Self {
        let call = CallView::of(&r.call(), &r.id);
        Self {
            announcement_id: r.announcement_id,
            coach_id: r.coach_id,
            player_id: r.player_id,
            start_date: r.start_at,
            end_date: r.end_at,
            status: r.status,
            video_status: r.video_status,
            daily_room_name: r.daily_room_name,
            daily_room_url: r.daily_room_url,
            rescheduled_at: r.rescheduled_at,
            created_at: r.created_at,
            call,
            id: r.id,
        }
    }
}

impl ReservationView {
    /// A booking just stored, with its room if Daily made it (`ready`), else `pending`.
    pub fn booked(
        id: ReservationId,
        booking: &NewBooking,
        player: &Identity,
        room: Option<Room>,
        now: Instant,
    ) -> Self {
        Self {
            id: id.to_string(),
            announcement_id: booking.announcement_id.to_string(),
            coach_id: booking.coach_id.to_string(),
            player_id: player.user_id.to_string(),
            start_date: booking.slot.start(),
            end_date: booking.slot.end(),
            status: ReservationStatus::Confirmed,
            video_status: if room.is_some() {
                VideoStatus::Ready
            } else {
                VideoStatus::Pending
            },
            daily_room_name: room.as_ref().map(|r| r.name.clone()),
            daily_room_url: room.map(|r| r.url),
            rescheduled_at: None,
            created_at: now,
            call: CallView::of(&CallReport::default(), &id.to_string()),
        }
    }
}
