-- E-mails about sessions (confirmation, reminder, change notices), sent through Brevo from an
-- outbox: each mail is a row written in the same batch as the change that causes it, then
-- claimed and sent after the answer, and by the scheduled handler for what is left.

-- The user's time zone (IANA name, from the session token's `zoneinfo`), for the times in mails.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Paris';

-- The calendar invite's SEQUENCE, bumped at each reschedule and at the cancellation.
ALTER TABLE reservations ADD COLUMN ics_sequence INTEGER NOT NULL DEFAULT 0;
-- A random id of the request that last rescheduled or cancelled the reservation: the mails of a
-- change are queued only by the batch whose change took effect.
ALTER TABLE reservations ADD COLUMN changed_by TEXT;

-- One mail to one participant. Unique per (reservation, kind, slot start, recipient): queuing the
-- same mail twice arms it once.
-- status: `pending` (to send at `next_at` or later), `sending` (claimed until `next_at`, after
-- which another run may take it over), `sent`, `failed` (given up: logged), `skipped` (a reminder
-- whose time had passed by more than 10 minutes), `cancelled` (a reminder of a slot that moved or
-- a session that was cancelled).
CREATE TABLE outbox (
  id             TEXT PRIMARY KEY,
  reservation_id TEXT NOT NULL REFERENCES reservations (id),
  kind           TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'rescheduled', 'cancelled')),
  slot_start     INTEGER NOT NULL,
  slot_end       INTEGER NOT NULL,
  recipient_role TEXT NOT NULL CHECK (recipient_role IN ('coach', 'player')),
  recipient_id   TEXT NOT NULL,
  -- The start and end before a reschedule, for its notice.
  previous_start INTEGER,
  previous_end   INTEGER,
  -- The invite's SEQUENCE when the mail was queued.
  sequence       INTEGER NOT NULL DEFAULT 0,
  due_at         INTEGER NOT NULL,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_at        INTEGER NOT NULL,
  claim          TEXT,
  sent_at        INTEGER,
  message_id     TEXT,
  error          TEXT,
  created_at     INTEGER NOT NULL,
  UNIQUE (reservation_id, kind, slot_start, recipient_id)
);

CREATE INDEX outbox_due ON outbox (status, next_at);
CREATE INDEX outbox_by_reservation ON outbox (reservation_id);

-- Sessions booked before e-mail existed get their reminders (REMINDER_MINUTES' default, 15).
INSERT INTO outbox (id, reservation_id, kind, slot_start, slot_end, recipient_role, recipient_id,
                    sequence, due_at, next_at, created_at)
SELECT lower(hex(randomblob(16))), r.id, 'reminder', r.start_at, r.end_at, k.role,
       CASE k.role WHEN 'player' THEN r.player_id ELSE c.user_id END,
       0, r.start_at - 900, r.start_at - 900, CAST(strftime('%s', 'now') AS INTEGER)
FROM reservations r JOIN coaches c ON c.id = r.coach_id
     JOIN (SELECT 'player' AS role UNION ALL SELECT 'coach') k
WHERE r.status = 'confirmed' AND r.start_at - 900 > CAST(strftime('%s', 'now') AS INTEGER);
