-- What Daily reports about each session's call: when its meetings started and ended, who was
-- in it (one row per participant session), its recordings, and the webhook events already
-- applied (so a redelivered event has no second effect).

-- The first meeting's start, the latest meeting's start, and the latest meeting's end. The
-- call is live while the latest start is after the latest end, whatever order events came in.
ALTER TABLE reservations ADD COLUMN meeting_started_at INTEGER;
ALTER TABLE reservations ADD COLUMN meeting_last_start INTEGER;
ALTER TABLE reservations ADD COLUMN meeting_ended_at INTEGER;
-- When the scheduled handler last asked Daily about a session's meetings and recordings.
ALTER TABLE reservations ADD COLUMN meeting_polled_at INTEGER;

CREATE INDEX reservations_by_end ON reservations (end_at);

-- One participant session (Daily's session_id, or participant_id in GET /meetings).
CREATE TABLE attendance (
  session_id     TEXT PRIMARY KEY,
  reservation_id TEXT NOT NULL REFERENCES reservations (id),
  role           TEXT NOT NULL CHECK (role IN ('coach', 'player')),
  joined_at      INTEGER,
  left_at        INTEGER,
  seconds        INTEGER
);

CREATE INDEX attendance_by_reservation ON attendance (reservation_id);

-- Cloud recordings (Daily's recording id), and recording errors (the event id), per session.
CREATE TABLE recordings (
  id               TEXT PRIMARY KEY,
  reservation_id   TEXT NOT NULL REFERENCES reservations (id),
  status           TEXT NOT NULL CHECK (status IN ('finished', 'error')),
  started_at       INTEGER NOT NULL,
  duration_seconds INTEGER,
  error            TEXT,
  created_at       INTEGER NOT NULL
);

CREATE INDEX recordings_by_reservation ON recordings (reservation_id, started_at);

-- Keys of applied webhook events: `id:<event id>`, and for participant events also
-- `<type>:<session_id>` (Daily may redeliver one under another id). `claim` is a random value
-- of the request that applied the event: its effects run in the same batch only where every
-- one of its keys carries that claim, so a redelivered event changes nothing.
CREATE TABLE webhook_events (
  key         TEXT PRIMARY KEY,
  claim       TEXT NOT NULL,
  received_at INTEGER NOT NULL
);

CREATE INDEX webhook_events_by_claim ON webhook_events (claim);
CREATE INDEX webhook_events_by_age ON webhook_events (received_at);
