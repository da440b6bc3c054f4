-- Reservation lifecycle: the state of each session's Daily room, cancellation and rescheduling,
-- and Idempotency-Key records for POST /reservations.

ALTER TABLE reservations ADD COLUMN video_status TEXT NOT NULL DEFAULT 'pending'
  CHECK (video_status IN ('pending', 'ready', 'deleted', 'failed'));
-- Failed attempts of the scheduled handler at the room's current task, and when to try next.
ALTER TABLE reservations ADD COLUMN video_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN video_retry_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN cancelled_at INTEGER;
ALTER TABLE reservations ADD COLUMN rescheduled_at INTEGER;

UPDATE reservations SET video_status = 'ready' WHERE daily_room_url IS NOT NULL;

CREATE INDEX reservations_video_work ON reservations (video_status, video_retry_at);

CREATE TABLE idempotency_keys (
  user_id         TEXT NOT NULL,
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  -- The reservation id the first request chose; it ties the insert to this claim.
  reservation_id  TEXT NOT NULL,
  -- NULL while the first request is in flight.
  response_status INTEGER,
  response_body   TEXT,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
