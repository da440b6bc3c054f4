#!/usr/bin/env node
// Benchmark data for this Worker, the same volume as the peer's seed: 200 coaches, 2,000
// players, 10,000 reservations, 600 of them inside their join window now (rooms ready), the rest
// on 15-minute slots across ±60 days but never within ±3 h of now. Also one more player with 50
// sessions (20 past, 30 upcoming; the session list's first page), for the session-list
// measurement. Writes OUT/seed.sql, OUT/pairs.txt ("<reservation id>\t<session JWT>", one in
// four for the coach) for rotate.lua, and OUT/sessions.txt (that player's session JWT).
// Usage: node bench/seed.mjs OUT_DIR SESSION_SECRET [PAIRS]
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [outDir, secret, pairCount = '500'] = process.argv.slice(2);
if (!outDir || !secret) throw new Error('usage: node bench/seed.mjs OUT_DIR SESSION_SECRET [PAIRS]');
const N_COACHES = 200;
const N_PLAYERS = 2000;
const N_RESERVATIONS = 10_000;
const N_IN_WINDOW = 600;

let state = 20261124;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const q = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

const FIRST = ['Léa', 'Hugo', 'Chloé', 'Lucas', 'Emma', 'Nathan', 'Manon', 'Louis', 'Camille', 'Inès', 'Arthur', 'Zoé', 'Théo', 'Ada'];
const LAST = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Lefèvre', "N'Diaye"];
const users = [];
const person = (kind, i) => {
  const u = { id: `usr_${kind}${i}`, name: `${pick(FIRST)} ${pick(LAST)}`, email: `${kind}${i}@example.test`, locale: rand() < 0.8 ? 'fr' : 'en' };
  users.push(u);
  return u;
};
const coaches = Array.from({ length: N_COACHES }, (_, i) => ({ id: `coach_${i}`, ann: `ann_${i}`, user: person('c', i) }));
const players = Array.from({ length: N_PLAYERS }, (_, i) => person('p', i));

const now = Math.floor(Date.now() / 1000);
const MIN = 60;
const reservations = [];
const inWindow = [];
const add = (coach, player, start, ready) => {
  const id = uuid();
  reservations.push([id, coach.ann, coach.id, player.id, start, start + 3600, 'confirmed',
    ready ? `edgemy-${id}` : null, ready ? `https://edgemy.daily.co/edgemy-${id}` : null, ready ? 'ready' : 'pending', now]);
  return id;
};
for (let i = 0; i < N_IN_WINDOW; i++) {
  const coach = pick(coaches);
  const player = pick(players);
  const id = add(coach, player, now + int(-40, 5) * MIN, true);
  inWindow.push({ id, player, coach: coach.user });
}
const slot0 = Math.floor(now / (15 * MIN)) * 15 * MIN;
while (reservations.length < N_RESERVATIONS) {
  const offset = int(-60 * 96, 60 * 96) * 15 * MIN;
  if (Math.abs(offset) < 3 * 3600) continue;
  add(pick(coaches), pick(players), slot0 + offset, rand() < 0.9);
}

// The session list's player: 50 sessions with coaches picked at random, one a day at 07:30 UTC
// (off the 15-minute grid of the others), 20 days back to 30 days ahead.
const listPlayer = person('p', 'list50');
const day0 = Math.floor(now / 86400) * 86400 + 7.5 * 3600;
for (let d = -20; d < 30; d++) add(pick(coaches), listPlayer, day0 + d * 86400, rand() < 0.9);

const lines = ['DELETE FROM reservations;', 'DELETE FROM announcements;', 'DELETE FROM coaches;', 'DELETE FROM users;'];
const chunks = (rows, size) => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
for (const chunk of chunks(users, 100)) {
  lines.push(`INSERT INTO users (id, name, email, locale, updated_at) VALUES ${chunk.map((u) => `(${[u.id, u.name, u.email, u.locale, now].map(q).join(', ')})`).join(', ')};`);
}
lines.push(`INSERT INTO coaches (id, user_id) VALUES ${coaches.map((c) => `(${q(c.id)}, ${q(c.user.id)})`).join(', ')};`);
lines.push(`INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents) VALUES ${coaches.map((c) => `(${q(c.ann)}, ${q(c.id)}, 'Coaching 60 min', 60, 6000)`).join(', ')};`);
for (const chunk of chunks(reservations, 100)) {
  lines.push(`INSERT INTO reservations (id, announcement_id, coach_id, player_id, start_at, end_at, status, daily_room_name, daily_room_url, video_status, created_at) VALUES ${chunk.map((r) => `(${r.map(q).join(', ')})`).join(', ')};`);
}
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'seed.sql'), lines.join('\n') + '\n');

const b64url = (s) => Buffer.from(s).toString('base64url');
const sign = (claims) => {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const pairs = inWindow.slice(0, Number(pairCount)).map((r, i) => {
  const u = i % 4 === 3 ? r.coach : r.player;
  return `${r.id}\t${sign({ iss: 'https://edgemy.fr', aud: 'edgemy-sessions', sub: u.id, name: u.name, email: u.email, locale: u.locale, iat: now, exp: now + 2 * 3600 })}`;
});
writeFileSync(path.join(outDir, 'pairs.txt'), pairs.join('\n') + '\n');
const u = listPlayer;
writeFileSync(path.join(outDir, 'sessions.txt'), `${sign({ iss: 'https://edgemy.fr', aud: 'edgemy-sessions', sub: u.id, name: u.name, email: u.email, locale: u.locale, iat: now, exp: now + 2 * 3600 })}\n`);
console.log(`seed: ${users.length} users, ${coaches.length} coaches, ${reservations.length} reservations (${inWindow.length} joinable now); ${pairs.length} pairs`);
