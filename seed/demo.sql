-- Demo data for local development: fixed ids, documented in the README. Safe to apply again.

INSERT INTO users (id, name, email, locale, time_zone, updated_at) VALUES
  ('usr_coach_demo',   'Camille Martin', 'camille.martin@example.test', 'fr', 'Europe/Paris', 0),
  ('usr_player_demo',  'Léo Dubois',     'leo.dubois@example.test',     'fr', 'Europe/Paris', 0),
  ('usr_player_other', 'Ada Lovelace',   'ada.lovelace@example.test',   'en', 'Europe/London', 0)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, locale = excluded.locale,
  time_zone = excluded.time_zone;

INSERT INTO coaches (id, user_id) VALUES ('coach_demo', 'usr_coach_demo')
ON CONFLICT (id) DO NOTHING;

INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents, currency, is_active) VALUES
  ('ann_demo_60', 'coach_demo', 'Revue de mains MTT', 60, 6000, 'EUR', 1),
  ('ann_demo_90', 'coach_demo', 'Coaching cash game NL50', 90, 9000, 'EUR', 1)
ON CONFLICT (id) DO UPDATE SET title = excluded.title, duration_minutes = excluded.duration_minutes,
  price_cents = excluded.price_cents, is_active = excluded.is_active;
