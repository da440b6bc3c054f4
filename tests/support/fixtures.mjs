// Test data: fresh coaches and players per test (so tests never share a calendar), slots
// relative to now, and direct inserts for states the API cannot create (past sessions).
import { randomUUID } from 'node:crypto';

let seq = 0;
const unique = (prefix) => `${prefix}_${process.pid}_${++seq}`;

/** An ISO date-time `minutes` after `anchor` (default now), on a whole second. */
export function isoIn(minutes, anchor = Date.now()) {
  const ms = Math.floor(anchor / 1000) * 1000 + minutes * 60_000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export const unix = (iso) => Math.floor(Date.parse(iso) / 1000);

/** A slot starting `startInMinutes` after `anchor` (default now). Slots meant to touch exactly
 * must share one anchor, or the clock moving between two calls makes them overlap. */
export function slot(startInMinutes, durationMinutes = 60, anchor = Date.now()) {
  return { startDate: isoIn(startInMinutes, anchor), endDate: isoIn(startInMinutes + durationMinutes, anchor) };
}

/** A player the platform knows; our D1 learns of them at their first booking. */
export function newPlayer({ locale = 'fr', name = 'Joueur Test', zoneinfo } = {}) {
  const id = unique('usr_p');
  return { id, name, email: `${id}@example.test`, locale, ...(zoneinfo ? { zoneinfo } : {}) };
}

/** A coach with one active offer of `duration` minutes (and one inactive offer). */
export async function newCoach(worker, { duration = 60, name = 'Coach Test', locale = 'fr', timeZone = 'Europe/Paris', title = 'Session test' } = {}) {
  const id = unique('usr_c');
  const user = { id, name, email: `${id}@example.test`, locale };
  const coachId = unique('coach');
  const announcementId = unique('ann');
  const inactiveAnnouncementId = unique('ann_off');
  const db = worker.db;
  await db.batch([
    db.prepare('INSERT INTO users (id, name, email, locale, time_zone, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 0)').bind(user.id, user.name, user.email, locale, timeZone),
    db.prepare('INSERT INTO coaches (id, user_id) VALUES (?1, ?2)').bind(coachId, user.id),
    db.prepare("INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents) VALUES (?1, ?2, ?4, ?3, 5000)").bind(announcementId, coachId, duration, title),
    db.prepare("INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents, is_active) VALUES (?1, ?2, 'Ancienne offre', ?3, 5000, 0)").bind(inactiveAnnouncementId, coachId, duration),
  ]);
  return { user: { ...user, coachId }, coachId, announcementId, inactiveAnnouncementId, duration };
}

export function booking(coach, s) {
  return { announcementId: coach.announcementId, coachId: coach.coachId, ...s };
}

/** Inserts a reservation directly (for past sessions, which the API rightly refuses to book). */
export async function insertReservation(worker, reservation) {
  const [id] = await insertReservations(worker, [reservation]);
  return id;
}

/** Inserts many reservations in one D1 batch; returns their ids, in order. */
export async function insertReservations(worker, reservations) {
  const db = worker.db;
  const ids = reservations.map(() => randomUUID());
  const statements = reservations.flatMap(({ coach, player, startDate, endDate, status = 'confirmed', room = true }, i) => {
    const id = ids[i];
    return [
      db.prepare('INSERT OR IGNORE INTO users (id, name, email, locale, updated_at) VALUES (?1, ?2, ?3, ?4, 0)')
        .bind(player.id, player.name, player.email, player.locale),
      db.prepare(
        `INSERT INTO reservations (id, announcement_id, coach_id, player_id, start_at, end_at, status,
           daily_room_name, daily_room_url, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      ).bind(
        id, coach.announcementId, coach.coachId, player.id, unix(startDate), unix(endDate), status,
        room ? `edgemy-${id}` : null, room ? `https://edgemy.daily.co/edgemy-${id}` : null,
        Math.floor(Date.now() / 1000),
      ),
    ];
  });
  await db.batch(statements);
  return ids;
}
