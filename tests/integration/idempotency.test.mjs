// Idempotency-Key on POST /reservations: the same key and body replay the first answer byte for
// byte; another body is refused; a retry while the first is in flight is told to wait, and a
// retry after the first died takes its claim over.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  // A request held at Daily (the in-flight test) must not time out: the longest attempt and
  // deadline allowed. No other test here depends on Daily timing out.
  ({ standin, worker } = await startStack({ vars: { DAILY_TIMEOUT_MS: '60000', DAILY_DEADLINE_MS: '60000' } }));
});
after(() => stopStack({ standin, worker }));

const post = (player, key, body) =>
  worker.request('/reservations', { as: player, json: body, headers: key === undefined ? {} : { 'idempotency-key': key } });

describe('Idempotency-Key', () => {
  test('100 replays of one key: one reservation, one room, identical answers', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const body = booking(coach, slot(120));
    await standin.clearCalls();
    const first = await post(player, 'book-7f3a9c', body);
    assert.equal(first.status, 201, first.text);
    const replays = [];
    for (let batch = 0; batch < 10; batch++) {
      replays.push(...(await Promise.all(Array.from({ length: 10 }, () => post(player, 'book-7f3a9c', body)))));
    }
    for (const r of replays) {
      assert.equal(r.status, 201);
      assert.equal(r.text, first.text, 'byte for byte');
      assert.equal(r.headers.get('location'), first.headers.get('location'));
      assert.equal(r.headers.get('idempotent-replayed'), 'true');
    }
    const [{ n }] = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1', player.id);
    assert.equal(n, 1);
    const creates = (await standin.calls()).filter((c) => c.method === 'POST' && c.path === '/rooms');
    assert.equal(creates.length, 1, 'one room');
  });

  test('the same key with another body: 422 idempotency_key_reused', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    assert.equal((await post(player, 'k-reuse', booking(coach, slot(200)))).status, 201);
    const other = await post(player, 'k-reuse', booking(coach, slot(400)));
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency_key_reused');
    const invalid = await post(player, 'k-reuse', { nonsense: true });
    assert.equal(invalid.status, 422, 'a key misuse even when the new body is invalid');
    const [{ n }] = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1', player.id);
    assert.equal(n, 1);
  });

  test('a retry while the first request is in flight: 409 idempotency_key_in_use, then the replay', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const body = booking(coach, slot(300));
    await standin.clearCalls();
    // Daily holds the first request's room creation until released: it is in flight as long
    // as the test says, however slow the machine.
    await standin.fault({ method: 'POST', path: '/rooms', hold: true, times: 1 });
    const firstPromise = post(player, 'k-inflight', body);
    await standin.waitForCall((c) => c.method === 'POST' && c.path === '/rooms' && c.status === null, { unless: firstPromise });
    const concurrent = await post(player, 'k-inflight', body);
    assert.equal(concurrent.status, 409);
    assert.equal(concurrent.body.error.code, 'idempotency_key_in_use');
    assert.equal(concurrent.headers.get('retry-after'), '1');
    assert.deepEqual(await standin.release(), { released: 1 });
    const first = await firstPromise;
    assert.equal(first.status, 201);
    const after = await post(player, 'k-inflight', body);
    assert.equal(after.text, first.text);
  });

  // What a request that dies between its claim and its answer leaves behind (an instance
  // stopped mid-way): the claim without an answer. Made here from a finished request.
  const abandon = async (player, key, { minutesAgo }) => {
    await worker.rows(
      `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL, created_at = created_at - ?3
       WHERE user_id = ?1 AND key = ?2`, player.id, key, minutesAgo * 60);
  };

  test('a retry after the first request died: the booking it made, kept for later replays', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const body = booking(coach, slot(700));
    const first = await post(player, 'k-died', body);
    assert.equal(first.status, 201, first.text);

    await abandon(player, 'k-died', { minutesAgo: 1 });
    const early = await post(player, 'k-died', body);
    assert.equal(early.status, 409, 'one minute on, the first request may still be running');
    assert.equal(early.body.error.code, 'idempotency_key_in_use');

    await abandon(player, 'k-died', { minutesAgo: 2 });
    const retry = await post(player, 'k-died', body);
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.body.id, first.body.id, 'the reservation the first request made');
    assert.equal(retry.headers.get('location'), first.headers.get('location'));
    assert.equal(retry.body.videoStatus, 'ready');
    const again = await post(player, 'k-died', body);
    assert.equal(again.text, retry.text, 'kept: replayed byte for byte');
    const [{ n }] = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1', player.id);
    assert.equal(n, 1);
    const other = await post(player, 'k-died', booking(coach, slot(760)));
    assert.equal(other.body.error.code, 'idempotency_key_reused', 'still bound to its body');
  });

  test('a retry after a refused request died: the request runs again', async () => {
    const coach = await newCoach(worker);
    const [holder, player] = [newPlayer(), newPlayer()];
    const body = booking(coach, slot(800));
    const held = await post(holder, undefined, body);
    assert.equal(held.status, 201);
    const refused = await post(player, 'k-refused', body);
    assert.equal(refused.body.error.code, 'slot_taken');

    await abandon(player, 'k-refused', { minutesAgo: 5 });
    const cancelled = await worker.request(`/reservations/${held.body.id}/cancel`, { as: holder, method: 'POST' });
    assert.equal(cancelled.status, 200, cancelled.text);
    const retry = await post(player, 'k-refused', body);
    assert.equal(retry.status, 201, `the slot is free now: ${retry.text}`);
    assert.equal(retry.body.playerId, player.id);
    const again = await post(player, 'k-refused', body);
    assert.equal(again.text, retry.text);
  });

  test('concurrent first requests with one key: one reservation', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const body = booking(coach, slot(500));
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(player, 'k-race', body)));
    const created = answers.filter((a) => a.status === 201);
    assert.ok(created.length >= 1);
    assert.ok(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error.code === 'idempotency_key_in_use')));
    assert.ok(created.every((a) => a.text === created[0].text));
    const [{ n }] = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1', player.id);
    assert.equal(n, 1);
  });

  test('refusals are replayed too; keys are scoped to the caller', async () => {
    const coach = await newCoach(worker);
    const [a, b] = [newPlayer(), newPlayer()];
    const body = booking(coach, slot(600));
    assert.equal((await post(a, 'shared-key', body)).status, 201);
    const taken = await post(b, 'shared-key', body);
    assert.equal(taken.status, 409, 'same key, other caller: a request of its own');
    assert.equal(taken.body.error.code, 'slot_taken');
    const again = await post(b, 'shared-key', body);
    assert.equal(again.status, 409);
    assert.equal(again.text, taken.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  test('keys longer than 255 characters or not visible ASCII: 400', async () => {
    const player = newPlayer();
    const coach = await newCoach(worker);
    for (const key of ['k'.repeat(256), 'has space', 'tab\there']) {
      const res = await post(player, key, booking(coach, slot(700)));
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_idempotency_key');
    }
    assert.equal((await post(player, 'k'.repeat(255), booking(coach, slot(700)))).status, 201);
  });

  test('the scheduled handler forgets keys older than 24 hours, not younger ones', async () => {
    const now = Math.floor(Date.now() / 1000);
    await worker.db.batch([
      worker.db.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, reservation_id, created_at) VALUES ('u', 'old', 'h', 'r1', ?1)").bind(now - 26 * 3600),
      worker.db.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, reservation_id, created_at) VALUES ('u', 'young', 'h', 'r2', ?1)").bind(now - 23 * 3600),
    ]);
    await worker.scheduled();
    const keys = (await worker.rows("SELECT key FROM idempotency_keys WHERE user_id = 'u'")).map((r) => r.key);
    assert.deepEqual(keys, ['young']);
  });
});
