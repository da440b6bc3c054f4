// Cancel and reschedule, end to end: the room follows the reservation, including when Daily is
// down at the time (the scheduled handler then finishes the job).
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { booking, insertReservation, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack({ vars: { DAILY_TIMEOUT_MS: '400', DAILY_DEADLINE_MS: '1500' } }));
});
after(() => stopStack({ standin, worker }));
beforeEach(async () => {
  await standin.clearFaults();
  await standin.clearCalls();
});

async function book(startIn = 10) {
  const coach = await newCoach(worker);
  const player = newPlayer();
  const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(startIn)) });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.videoStatus, 'ready');
  return { coach, player, r: res.body };
}

const roomAtDaily = (name) => standin.api('GET', `/rooms/${name}`);
const tokenOf = (id, user) => worker.request(`/reservations/${id}/daily-token`, { as: user });

describe('POST /reservations/:id/cancel', () => {
  test('the coach cancels: cancelled, room deleted, no more tokens, the slot is free again', async () => {
    const { coach, player, r } = await book(10);
    assert.equal((await tokenOf(r.id, player)).status, 200);
    const res = await worker.request(`/reservations/${r.id}/cancel`, { as: coach.user, method: 'POST' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'cancelled');
    assert.equal(res.body.videoStatus, 'deleted');
    assert.equal((await roomAtDaily(r.dailyRoomName)).status, 404);
    const deletes = (await standin.calls()).filter((c) => c.method === 'DELETE');
    assert.deepEqual(deletes.map((c) => [c.path, c.status]), [[`/rooms/${r.dailyRoomName}`, 200]]);

    const token = await tokenOf(r.id, player);
    assert.equal(token.status, 410);
    assert.equal(token.body.error.code, 'reservation_cancelled');
    const again = await worker.request('/reservations', { as: newPlayer(), json: booking(coach, { startDate: r.startDate, endDate: r.endDate }) });
    assert.equal(again.status, 201, 'the slot is free again');

    const twice = await worker.request(`/reservations/${r.id}/cancel`, { as: player, method: 'POST' });
    assert.equal(twice.status, 200, 'cancelling again is harmless');
    assert.equal(twice.body.status, 'cancelled');
  });

  test('anyone else: 404; after the session: 410', async () => {
    const { r } = await book(30);
    const res = await worker.request(`/reservations/${r.id}/cancel`, { as: demo.other, method: 'POST' });
    assert.equal(res.status, 404);
    assert.equal((await worker.request(`/reservations/${r.id}/cancel`, { method: 'POST' })).status, 401);
    const coach = await newCoach(worker);
    const player = newPlayer();
    const past = await insertReservation(worker, { coach, player, startDate: isoIn(-120), endDate: isoIn(-60) });
    const late = await worker.request(`/reservations/${past}/cancel`, { as: player, method: 'POST' });
    assert.equal(late.status, 410);
    assert.equal(late.body.error.code, 'session_ended');
  });

  test('Daily down during the cancel: cancelled at once, the room deleted by the scheduled handler', async () => {
    const { player, r } = await book(40);
    await standin.fault({ method: 'DELETE', status: 503 });
    const res = await worker.request(`/reservations/${r.id}/cancel`, { as: player, method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'cancelled');
    assert.equal(res.body.videoStatus, 'ready', 'the room still exists');
    assert.equal((await tokenOf(r.id, player)).status, 410);
    const tries = (await standin.calls()).filter((c) => c.method === 'DELETE');
    assert.ok(tries.length >= 2 && tries.length <= 4, `retried within the budget: ${tries.length}`);

    await standin.clearFaults();
    await worker.scheduled();
    assert.equal((await roomAtDaily(r.dailyRoomName)).status, 404);
    const [row] = await worker.rows('SELECT status, video_status FROM reservations WHERE id = ?1', r.id);
    assert.deepEqual({ ...row }, { status: 'cancelled', video_status: 'deleted' });
  });
});

describe('PATCH /reservations/:id', () => {
  test('moves the session: new window at Daily, new tokens, the old window grants none', async () => {
    const { coach, player, r } = await book(10);
    assert.equal((await tokenOf(r.id, player)).status, 200);
    const later = slot(240);
    const res = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: later });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.startDate, later.startDate);
    assert.equal(res.body.endDate, later.endDate);
    assert.equal(res.body.videoStatus, 'ready');
    assert.ok(res.body.rescheduledAt);

    const updates = (await standin.calls()).filter((c) => c.method === 'POST' && c.path === `/rooms/${r.dailyRoomName}`);
    assert.equal(updates.length, 1);
    assert.deepEqual(updates[0].body, { properties: { nbf: unix(later.startDate) - 1800, exp: unix(later.endDate) + 1800 } });
    const room = await roomAtDaily(r.dailyRoomName);
    assert.equal(room.body.config.exp, unix(later.endDate) + 1800);

    const now = await tokenOf(r.id, player);
    assert.equal(now.status, 409, 'the old window no longer grants a token');
    assert.equal(unix(now.body.error.opensAt), unix(later.startDate) - 15 * 60);
    const coachEarly = await tokenOf(r.id, coach.user);
    assert.equal(coachEarly.status, 409);
    const [row] = await worker.rows('SELECT start_at, end_at FROM reservations WHERE id = ?1', r.id);
    assert.deepEqual({ ...row }, { start_at: unix(later.startDate), end_at: unix(later.endDate) });
  });

  test('tokens minted after a move carry the new window', async () => {
    const { player, r } = await book(200);
    const soon = slot(5);
    const res = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: soon });
    assert.equal(res.status, 200, res.text);
    const token = await tokenOf(r.id, player);
    assert.equal(token.status, 200);
    const claims = JSON.parse(Buffer.from(token.body.token.split('.')[1], 'base64url'));
    assert.equal(claims.nbf, unix(soon.startDate) - 15 * 60);
    assert.equal(claims.exp, unix(soon.endDate) + 30 * 60);
  });

  test('the same rules as booking: overlap 409, other length 422, past 422, started 409, cancelled 410, others 404', async () => {
    const { coach, player, r } = await book(300);
    const other = await worker.request('/reservations', { as: newPlayer(), json: booking(coach, slot(500)) });
    assert.equal(other.status, 201);
    const patch = (body, as = player, id = r.id) => worker.request(`/reservations/${id}`, { as, method: 'PATCH', json: body });

    const overlap = await patch(slot(520));
    assert.equal(overlap.status, 409);
    assert.equal(overlap.body.error.code, 'slot_taken');
    assert.equal((await patch(slot(320))).status, 200, 'overlapping its own old slot is fine');
    const longer = await patch(slot(700, 90));
    assert.equal(longer.status, 422);
    assert.equal(longer.body.error.code, 'duration_mismatch');
    const past = await patch(slot(-100));
    assert.equal(past.body.error.code, 'start_in_past');
    const missing = await patch({ startDate: isoIn(800) });
    assert.equal(missing.body.error.code, 'missing_field');
    assert.equal((await patch(slot(800), demo.other)).status, 404);

    const started = await insertReservation(worker, { coach, player, startDate: isoIn(-10), endDate: isoIn(50) });
    const tooLate = await patch(slot(900), player, started);
    assert.equal(tooLate.status, 409);
    assert.equal(tooLate.body.error.code, 'session_started');
    await worker.request(`/reservations/${r.id}/cancel`, { as: player, method: 'POST' });
    assert.equal((await patch(slot(1000))).body.error.code, 'reservation_cancelled');
  });

  test('a room that no longer exists is created anew for the new window', async () => {
    const { player, r } = await book(60);
    // Gone at Daily (deletions are limited to about 2 a second there; `api` waits for our turn).
    assert.equal((await standin.api('DELETE', `/rooms/${r.dailyRoomName}`)).status, 200);
    assert.equal((await roomAtDaily(r.dailyRoomName)).status, 404);
    await standin.clearCalls();
    const later = slot(600);
    const res = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: later });
    assert.equal(res.status, 200);
    assert.equal(res.body.videoStatus, 'ready');
    const calls = (await standin.calls()).map((c) => [c.method, c.path, c.status]);
    assert.deepEqual(calls, [['POST', `/rooms/${r.dailyRoomName}`, 404], ['POST', '/rooms', 200]]);
    assert.equal((await roomAtDaily(r.dailyRoomName)).body.config.exp, unix(later.endDate) + 1800);
  });

  test('Daily down during the move: moved at once, the room follows with the scheduled handler', async () => {
    const { player, r } = await book(90);
    await standin.fault({ path: '/rooms', status: 500 });
    const later = slot(720);
    const res = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: later });
    assert.equal(res.status, 200);
    assert.equal(res.body.videoStatus, 'pending');
    await standin.clearFaults();
    await worker.scheduled();
    const [row] = await worker.rows('SELECT video_status FROM reservations WHERE id = ?1', r.id);
    assert.equal(row.video_status, 'ready');
    assert.equal((await roomAtDaily(r.dailyRoomName)).body.config.exp, unix(later.endDate) + 1800);
  });
});
