-- Demo data for local development: fixed ids, documented in the README. Safe to apply again.

INSERT INTO users (id, name, email, locale, time_zone, updated_at) VALUES
  ('usr_coach_demo',   'Camille Martin', 'camille.martin@example.test', 'fr', 'Europe/Paris', 0),
  ('usr_player_demo',  'Léo Dubois',     'leo.dubois@example.test',     'fr', 'Europe/Paris', 0),
  ('usr_player_other', 'Ada Lovelace',   'ada.lovelace@example.test',   'en', 'Europe/London', 0)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, locale = excluded.locale,
  time_zone = excluded.time_zone;

INSERT INTO coaches (id, user_id) VALUES ('coach_demo', 'usr_coach_demo')
ON CONFLICT (id) DO NOTHING;

INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents, currency, is_active,
                           pack_size, pack_validity_days) VALUES
  ('ann_demo_60', 'coach_demo', 'Revue de mains MTT', 60, 6000, 'EUR', 1, NULL, NULL),
  ('ann_demo_90', 'coach_demo', 'Coaching cash game NL50', 90, 9000, 'EUR', 1, NULL, NULL),
  ('ann_demo_pack5', 'coach_demo', 'Pack 5 revues de mains', 60, 25000, 'EUR', 1, 5, 90)
ON CONFLICT (id) DO UPDATE SET title = excluded.title, duration_minutes = excluded.duration_minutes,
  price_cents = excluded.price_cents, is_active = excluded.is_active, pack_size = excluded.pack_size,
  pack_validity_days = excluded.pack_validity_days;
