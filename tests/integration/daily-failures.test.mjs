// A booking never depends on Daily being up: the reservation is kept, and its room is created
// at the first token request. Transient failures are retried a few times; 4xx, redirects and
// malformed answers never are. Daily's "room already exists" answer reuses that room.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { verifyHs256 } from '../support/jwt.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));
beforeEach(async () => {
  await standin.clearFaults();
  await standin.clearCalls();
});

async function bookWhileDailyFails(fault) {
  const coach = await newCoach(worker);
  const player = newPlayer();
  await standin.fault({ method: 'POST', path: '/rooms', ...fault });
  const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(10)) });
  await standin.clearFaults();
  return { coach, player, res };
}

const roomRequests = async () => (await standin.calls()).filter((c) => c.method === 'POST' && c.path === '/rooms');

describe('Daily failing at booking', () => {
  for (const [what, fault, attempts] of [
    ['a 500', { status: 500 }, 4],
    ['a 503', { status: 503 }, 4],
    ['a 429', { status: 429 }, 4],
    ['malformed JSON', { malformed: true }, 1],
    ['a redirect', { redirect: 'https://example.invalid/rooms' }, 1],
    ['a 400', { status: 400 }, 1],
  ]) {
    test(`${what}: the reservation is kept without a room (${attempts} attempt${attempts > 1 ? 's' : ''})`, async () => {
      const { res } = await bookWhileDailyFails(fault);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.dailyRoomName, null);
      assert.equal(res.body.dailyRoomUrl, null);
      assert.equal(res.body.videoStatus, 'pending');
      const [row] = await worker.rows('SELECT status, video_status, daily_room_name FROM reservations WHERE id = ?1', res.body.id);
      assert.deepEqual({ ...row }, { status: 'confirmed', video_status: 'pending', daily_room_name: null });
      const calls = await roomRequests();
      assert.equal(calls.length, attempts, 'transient failures retried, others not, redirects not followed');
      assert.ok(calls.every((c) => c.body.name === `edgemy-${res.body.id}`), 'every retry asks for the same room');
    });
  }

  test('the room is created at the first token request, then reused', async () => {
    const { coach, player, res } = await bookWhileDailyFails({ status: 500 });
    const id = res.body.id;
    await standin.clearCalls();

    const first = await worker.request(`/reservations/${id}/daily-token`, { as: player });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.roomName, `edgemy-${id}`);
    const created = await roomRequests();
    assert.equal(created.length, 1);
    assert.equal(created[0].body.name, `edgemy-${id}`);
    assert.equal(created[0].body.privacy, 'private');
    const [row] = await worker.rows('SELECT daily_room_name, daily_room_url FROM reservations WHERE id = ?1', id);
    assert.equal(row.daily_room_name, `edgemy-${id}`);
    assert.equal(row.daily_room_url, first.body.roomUrl);
    assert.equal(verifyHs256(first.body.token, standin.apiKey).claims.r, `edgemy-${id}`);

    await standin.clearCalls();
    const second = await worker.request(`/reservations/${id}/daily-token`, { as: coach.user });
    assert.equal(second.status, 200);
    assert.equal(second.body.roomUrl, first.body.roomUrl);
    assert.deepEqual(await roomRequests(), [], 'no second room');
  });

  test('a room left behind by a lost answer is read back, not duplicated', async () => {
    const { player, res } = await bookWhileDailyFails({ status: 502 });
    const id = res.body.id;
    // As if Daily had created the room but its answer never arrived.
    const ghost = await standin.api('POST', '/rooms', { name: `edgemy-${id}`, privacy: 'private' });
    assert.equal(ghost.status, 200);
    await standin.clearCalls();

    const token = await worker.request(`/reservations/${id}/daily-token`, { as: player });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.roomUrl, ghost.body.url);
    const calls = (await standin.calls()).map((c) => [c.method, c.path, c.status]);
    assert.deepEqual(calls, [
      ['POST', '/rooms', 400],
      ['GET', `/rooms/edgemy-${id}`, 200],
      ['POST', `/rooms/edgemy-${id}`, 200], // the leftover room had no expiry: given the session's window
    ]);
    const room = await standin.api('GET', `/rooms/edgemy-${id}`);
    assert.equal(room.body.config.exp, Math.floor(Date.parse(res.body.endDate) / 1000) + 1800);
    const rooms = (await standin.api('GET', '/rooms')).body.data.filter((r) => r.name === `edgemy-${id}`);
    assert.equal(rooms.length, 1);
  });

  test('Daily still down at the token request: 503 video_unavailable with Retry-After', async () => {
    const { player, res } = await bookWhileDailyFails({ status: 500 });
    await standin.fault({ method: 'POST', path: '/rooms', status: 503 });
    const token = await worker.request(`/reservations/${res.body.id}/daily-token`, { as: player });
    assert.equal(token.status, 503);
    assert.equal(token.body.error.code, 'video_unavailable');
    assert.ok(Number(token.headers.get('retry-after')) > 0);
    const [row] = await worker.rows('SELECT daily_room_name FROM reservations WHERE id = ?1', res.body.id);
    assert.equal(row.daily_room_name, null);
  });

  test('Daily refusing the key at the token request: 502 video_error, no key in the answer', async () => {
    const { player, res } = await bookWhileDailyFails({ status: 500 });
    await standin.fault({ method: 'POST', path: '/rooms', status: 401, body: '{"error":"authentication-error"}' });
    const token = await worker.request(`/reservations/${res.body.id}/daily-token`, { as: player });
    assert.equal(token.status, 502);
    assert.equal(token.body.error.code, 'video_error');
    assert.ok(!token.text.includes(standin.apiKey));
  });
});
