// Packs end to end: an offer bought as several sessions, some booked at once (all or nothing,
// under concurrency), the rest later, each session a reservation with its own room, token, mails
// and replays; credits given back by a cancellation in time; packs cancelled whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startStack, stopStack } from '../support/stack.mjs';
import { newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';
import { verifyHs256 } from '../support/jwt.mjs';

const HOUR = 3600 * 1000;

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
  await standin.settings({ rateLimit: false });
});
after(() => stopStack({ standin, worker }));

/** A coach with a pack offer of `size` sessions of 60 minutes, to book within `days`. */
async function packCoach({ size = 5, days = 90 } = {}) {
  const coach = await newCoach(worker, { name: 'Camille Pack', title: 'Revue de mains' });
  const packId = `ann_pack_${randomUUID().slice(0, 8)}`;
  await worker.db.prepare(
    "INSERT INTO announcements (id, coach_id, title, duration_minutes, price_cents, pack_size, pack_validity_days) VALUES (?1, ?2, 'Pack revues', 60, 25000, ?3, ?4)",
  ).bind(packId, coach.coachId, size, days).run();
  return { ...coach, packAnnouncementId: packId };
}

const buy = (coach, player, sessions, headers = {}) => worker.request('/packs', {
  as: player,
  headers,
  json: { announcementId: coach.packAnnouncementId, coachId: coach.coachId, sessions },
});

/** A slot starting `hours` from now, 60 minutes long. */
const at = (hours) => slot(hours * 60);

describe('packs', () => {
  test('a purchase books its listed sessions, each with its own room, name, URL and token', async () => {
    const coach = await packCoach();
    const player = newPlayer({ name: 'Léo Pack' });
    const res = await buy(coach, player, [at(2), at(26), at(50)]);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('location'), `/packs/${res.body.id}`);
    const pack = res.body;
    assert.deepEqual({ size: pack.packSize, used: pack.used, remaining: pack.remaining, status: pack.status },
      { size: 5, used: 3, remaining: 2, status: 'active' });
    assert.equal(pack.sessions.length, 3);
    assert.ok(Date.parse(pack.expiresAt) - Date.parse(pack.createdAt) === 90 * 24 * HOUR);

    const rooms = [];
    for (const s of pack.sessions) {
      const view = (await worker.request(`/reservations/${s.id}`, { as: player })).body;
      assert.equal(view.videoStatus, 'ready');
      rooms.push({ name: view.dailyRoomName, url: view.dailyRoomUrl });
    }
    assert.equal(new Set(rooms.map((r) => r.name)).size, 3, 'three rooms');
    assert.equal(new Set(rooms.map((r) => r.url)).size, 3, 'three URLs');
    for (const room of rooms) assert.equal((await standin.api('GET', `/rooms/${room.name}`)).status, 200, room.name);

    const list = (await worker.request('/api/player/sessions', { as: player })).body.sessions;
    const mine = list.filter((s) => s.packId === pack.id);
    assert.deepEqual(mine.map((s) => `${s.packSession.index}/${s.packSession.of}`), ['1/5', '2/5', '3/5']);
  });

  test('each session of a pack gets its own meeting token for its own room', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const res = await buy(coach, player, [slot(5), slot(5 + 24 * 60)]);
    assert.equal(res.status, 201, res.text);
    const [first] = res.body.sessions;
    const token = await worker.request(`/reservations/${first.id}/daily-token`, { as: player });
    assert.equal(token.status, 200, token.text);
    const { claims } = verifyHs256(token.body.token, standin.apiKey);
    assert.equal(claims.r, token.body.roomName);
    assert.ok(token.body.roomName.endsWith(first.id));
    const second = res.body.sessions[1];
    const early = await worker.request(`/reservations/${second.id}/daily-token`, { as: player });
    assert.equal(early.status, 409, 'the second session opens later, on its own');
  });

  test('all or nothing: one taken slot stores no pack and no session, and names the slot', async () => {
    const coach = await packCoach();
    const other = newPlayer();
    const taken = at(30);
    assert.equal((await buy(coach, other, [taken])).status, 201);
    const player = newPlayer();
    const before = (await worker.rows('SELECT COUNT(*) AS n FROM reservations'))[0].n;
    const res = await buy(coach, player, [at(6), taken, at(54)]);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error.code, 'slot_taken');
    assert.equal(res.body.error.index, 1);
    assert.equal((await worker.rows('SELECT COUNT(*) AS n FROM reservations'))[0].n, before);
    assert.deepEqual(await worker.rows('SELECT id FROM packs WHERE player_id = ?', player.id), []);
    assert.deepEqual(await worker.rows('SELECT * FROM pack_purchase_guard'), []);
  });

  test('a bad session is a 4xx naming its field', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const bad = await buy(coach, player, [at(3), at(27), { startDate: 'tuesday', endDate: at(51).endDate }]);
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.field, 'sessions[2].startDate');
    const whole = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const past = await buy(coach, player, [at(3), { startDate: whole(Date.now() - HOUR), endDate: whole(Date.now()) }]);
    assert.equal(past.status, 422, past.text);
    assert.deepEqual({ code: past.body.error.code, field: past.body.error.field, index: past.body.error.index },
      { code: 'start_in_past', field: 'sessions[1].startDate', index: 1 });
    const tooMany = await buy(coach, player, [1, 2, 3, 4, 5, 6].map((d) => at(d * 24)));
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.code, 'too_many_sessions');
    const single = await worker.request('/reservations', { as: player, json: { announcementId: coach.packAnnouncementId, coachId: coach.coachId, ...at(80) } });
    assert.equal(single.status, 422);
    assert.equal(single.body.error.code, 'pack_offer');
  });

  test('50 concurrent purchases over the same slots: exactly one pack is bought', async () => {
    const coach = await packCoach();
    const slots = [at(100), at(124)];
    const players = Array.from({ length: 50 }, () => newPlayer());
    const answers = await Promise.all(players.map((p) => buy(coach, p, slots)));
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 49, JSON.stringify(statuses));
    const packs = await worker.rows('SELECT p.id FROM packs p WHERE p.coach_id = ?', coach.coachId);
    assert.equal(packs.length, 1);
    const sessions = await worker.rows("SELECT id FROM reservations WHERE coach_id = ? AND status = 'confirmed'", coach.coachId);
    assert.equal(sessions.length, 2);
  });

  test('sessions are booked one by one until the pack is used up, and not after it expires', async () => {
    const coach = await packCoach({ size: 3, days: 30 });
    const player = newPlayer();
    const pack = (await buy(coach, player, [])).body;
    assert.equal(pack.remaining, 3);
    for (const hours of [10, 34, 58]) {
      const res = await worker.request(`/packs/${pack.id}/sessions`, { as: player, json: at(hours) });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `/reservations/${res.body.id}`);
    }
    const full = await worker.request(`/packs/${pack.id}/sessions`, { as: player, json: at(82) });
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, 'pack_exhausted');
    assert.equal((await worker.request(`/packs/${pack.id}`, { as: player })).body.remaining, 0);

    const late = (await buy(coach, player, [])).body;
    const after = await worker.request(`/packs/${late.id}/sessions`, { as: player, json: at(31 * 24) });
    assert.equal(after.status, 422);
    assert.equal(after.body.error.code, 'after_pack_expiry');
    await worker.db.prepare('UPDATE packs SET expires_at = ?2 WHERE id = ?1').bind(late.id, unix(new Date(Date.now() - 1000).toISOString())).run();
    const expired = await worker.request(`/packs/${late.id}/sessions`, { as: player, json: at(20) });
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'pack_expired');
  });

  test('a session cancelled more than 24 h ahead gives its credit back; later, the credit is used', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const pack = (await buy(coach, player, [slot(24 * 60 + 10), slot(48 * 60), slot(72 * 60)])).body;
    const [early] = pack.sessions;
    const lateSession = (await worker.request(`/packs/${pack.id}/sessions`, { as: player, json: slot(24 * 60 - 70) })).body;
    assert.equal((await worker.request(`/packs/${pack.id}`, { as: player })).body.remaining, 1);

    assert.equal((await worker.request(`/reservations/${early.id}/cancel`, { as: player, method: 'POST' })).status, 200);
    let now = (await worker.request(`/packs/${pack.id}`, { as: player })).body;
    assert.equal(now.remaining, 2, 'more than 24 h ahead: given back');
    assert.equal(now.sessions.find((s) => s.id === early.id).usesCredit, false);

    assert.equal((await worker.request(`/reservations/${lateSession.id}/cancel`, { as: player, method: 'POST' })).status, 200);
    now = (await worker.request(`/packs/${pack.id}`, { as: player })).body;
    assert.equal(now.remaining, 2, 'less than 24 h ahead: used');
    assert.equal(now.sessions.find((s) => s.id === lateSession.id).usesCredit, true);
  });

  test("a coach's cancellation always gives the credit back; a session moves only within the pack's terms", async () => {
    const coach = await packCoach({ size: 5, days: 10 });
    const player = newPlayer();
    const pack = (await buy(coach, player, [slot(120), slot(72 * 60)])).body;
    const [soon, later] = pack.sessions;
    // Less than 24 h ahead, the player could not move it (and then cancel it for a refund).
    const tooLate = await worker.request(`/reservations/${soon.id}`, { as: player, method: 'PATCH', json: slot(96 * 60) });
    assert.equal(tooLate.status, 409, tooLate.text);
    assert.equal(tooLate.body.error.code, 'too_late_to_move');
    // Nor past the pack's expiry.
    const past = await worker.request(`/reservations/${later.id}`, { as: player, method: 'PATCH', json: slot(11 * 24 * 60) });
    assert.equal(past.status, 422, past.text);
    assert.equal(past.body.error.code, 'after_pack_expiry');
    assert.equal((await worker.request(`/reservations/${later.id}`, { as: player, method: 'PATCH', json: slot(96 * 60) })).status, 200);
    // The coach cancels the session two hours away: the player keeps the credit.
    assert.equal((await worker.request(`/reservations/${soon.id}/cancel`, { as: coach.user, method: 'POST' })).status, 200);
    const now = (await worker.request(`/packs/${pack.id}`, { as: player })).body;
    assert.equal(now.remaining, 4);
    assert.equal(now.sessions.find((s) => s.id === soon.id).usesCredit, false);
  });

  test('an Idempotency-Key replays the purchase; another body under it is refused', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const key = randomUUID();
    const first = await buy(coach, player, [at(200)], { 'idempotency-key': key });
    assert.equal(first.status, 201, first.text);
    const again = await buy(coach, player, [at(200)], { 'idempotency-key': key });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.id, first.body.id);
    assert.equal((await worker.rows('SELECT COUNT(*) AS n FROM packs WHERE player_id = ?', player.id))[0].n, 1);
    const misuse = await buy(coach, player, [at(300)], { 'idempotency-key': key });
    assert.equal(misuse.status, 422);
    assert.equal(misuse.body.error.code, 'idempotency_key_reused');
  });

  test('only its player and its coach see a pack; only its player books in it', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const pack = (await buy(coach, player, [at(400)])).body;
    assert.equal((await worker.request(`/packs/${pack.id}`, { as: coach.user })).status, 200);
    for (const stranger of [newPlayer(), (await newCoach(worker)).user]) {
      const res = await worker.request(`/packs/${pack.id}`, { as: stranger });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'pack_not_found');
      assert.equal((await worker.request(`/packs/${pack.id}/sessions`, { as: stranger, json: at(430) })).status, 404);
      assert.equal((await worker.request(`/packs/${pack.id}/cancel`, { as: stranger, method: 'POST' })).status, 404);
    }
    assert.equal((await worker.request(`/packs/${pack.id}/sessions`, { as: coach.user, json: at(430) })).status, 404);
    const players = (await worker.request('/api/player/packs', { as: player })).body;
    assert.deepEqual(players.packs.map((p) => p.id), [pack.id]);
    const coaches = (await worker.request('/api/coach/packs', { as: coach.user })).body;
    assert.deepEqual(coaches.packs.map((p) => p.id), [pack.id]);
    assert.equal((await worker.request('/api/player/packs?limit=0', { as: player })).status, 400);
  });

  test('cancelling a pack cancels its sessions ahead and deletes their rooms', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const pack = (await buy(coach, player, [at(500), at(524)])).body;
    const rooms = await Promise.all(pack.sessions.map(async (s) => (await worker.request(`/reservations/${s.id}`, { as: player })).body.dailyRoomName));
    const res = await worker.request(`/packs/${pack.id}/cancel`, { as: coach.user, method: 'POST' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'cancelled');
    assert.deepEqual(res.body.sessions.map((s) => s.status), ['cancelled', 'cancelled']);
    for (const room of rooms) assert.equal((await standin.api('GET', `/rooms/${room}`)).status, 404, room);
    const more = await worker.request(`/packs/${pack.id}/sessions`, { as: player, json: at(600) });
    assert.equal(more.status, 410);
    assert.equal(more.body.error.code, 'pack_cancelled');
  });

  test('reminders and replays are per session', async () => {
    const coach = await packCoach();
    const player = newPlayer();
    const pack = (await buy(coach, player, [at(700), at(724)])).body;
    const reminders = await worker.rows("SELECT reservation_id, COUNT(*) AS n FROM outbox WHERE kind = 'reminder' AND reservation_id IN (?, ?) GROUP BY reservation_id", pack.sessions[0].id, pack.sessions[1].id);
    assert.deepEqual(reminders.map((r) => r.n), [2, 2]);
    const [a, b] = pack.sessions;
    const roomA = (await worker.request(`/reservations/${a.id}`, { as: player })).body.dailyRoomName;
    await standin.recording(roomA, { startTs: unix(a.startDate), duration: 60 });
    const listA = (await worker.request(`/reservations/${a.id}/recordings`, { as: player })).body.recordings;
    const listB = (await worker.request(`/reservations/${b.id}/recordings`, { as: player })).body.recordings;
    assert.equal(listA.length, 1);
    assert.equal(listB.length, 0, "a session's replay stays its own");
  });
});
