-- Users, coaches, their offers ("announcements") and the reservations of coaching sessions.
-- Times are unix seconds (INTEGER), UTC.

CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT NOT NULL,
  locale     TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
  updated_at INTEGER NOT NULL
);

CREATE TABLE coaches (
  id      TEXT PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE REFERENCES users (id)
);

CREATE TABLE announcements (
  id               TEXT PRIMARY KEY,
  coach_id         TEXT NOT NULL REFERENCES coaches (id),
  title            TEXT NOT NULL,
  duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
  price_cents      INTEGER NOT NULL CHECK (price_cents >= 0),
  currency         TEXT NOT NULL DEFAULT 'EUR',
  is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
);

CREATE INDEX announcements_by_coach ON announcements (coach_id);

CREATE TABLE reservations (
  id              TEXT PRIMARY KEY,
  announcement_id TEXT NOT NULL REFERENCES announcements (id),
  coach_id        TEXT NOT NULL REFERENCES coaches (id),
  player_id       TEXT NOT NULL REFERENCES users (id),
  start_at        INTEGER NOT NULL,
  end_at          INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'confirmed'
                  CHECK (status IN ('confirmed', 'cancelled', 'completed')),
  daily_room_name TEXT,
  daily_room_url  TEXT,
  created_at      INTEGER NOT NULL,
  CHECK (end_at > start_at)
);

CREATE INDEX reservations_by_coach ON reservations (coach_id, start_at);
CREATE INDEX reservations_by_player ON reservations (player_id, start_at);
