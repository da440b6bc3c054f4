-- Packs: an offer sold as several sessions (`pack_size`), to be booked within
-- `pack_validity_days` of the purchase. Each booked session is an ordinary reservation, with its
-- own room, tokens, mails and replays, that names its pack.
ALTER TABLE announcements ADD COLUMN pack_size INTEGER CHECK (pack_size IS NULL OR pack_size BETWEEN 2 AND 50);
ALTER TABLE announcements ADD COLUMN pack_validity_days INTEGER
  CHECK (pack_validity_days IS NULL OR pack_validity_days > 0);

CREATE TABLE packs (
  id              TEXT PRIMARY KEY,
  announcement_id TEXT NOT NULL REFERENCES announcements (id),
  coach_id        TEXT NOT NULL REFERENCES coaches (id),
  player_id       TEXT NOT NULL REFERENCES users (id),
  pack_size       INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  cancelled_at    INTEGER
);

CREATE INDEX packs_by_player ON packs (player_id, created_at);
CREATE INDEX packs_by_coach ON packs (coach_id, created_at);

-- The pack a reservation belongs to, and whether it uses one of the pack's credits: a session
-- cancelled more than PACK_REFUND_HOURS before its start gives its credit back (0).
ALTER TABLE reservations ADD COLUMN pack_id TEXT REFERENCES packs (id);
ALTER TABLE reservations ADD COLUMN pack_credit INTEGER NOT NULL DEFAULT 1 CHECK (pack_credit IN (0, 1));

CREATE INDEX reservations_by_pack ON reservations (pack_id);

-- A purchase's batch ends with an insert here that breaks the CHECK when any of its sessions was
-- refused (a taken slot): the statement fails, and D1 rolls the whole batch back, pack included.
-- Nothing is ever stored in it.
CREATE TABLE pack_purchase_guard (
  complete INTEGER NOT NULL CHECK (complete = 1)
);
