// What each hot path costs, counted: D1 round trips (X-D1-Round-Trips, with INSTRUMENT on) and
// requests to Daily (the stand-in's call log).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { startWorker } from '../support/worker.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack({ vars: { INSTRUMENT: 'true', DAILY_DOMAIN_ID: '30f866c3-9123-452a-8723-ff58322d09c5' } }));
});
after(() => stopStack({ standin, worker }));

describe('request budgets', () => {
  test('booking: 2 D1 round trips and exactly 1 Daily request, with or without an Idempotency-Key', async () => {
    const coach = await newCoach(worker);
    for (let i = 0; i < 4; i++) {
      await standin.clearCalls();
      const headers = i % 2 ? { 'Idempotency-Key': `budget-${i}-${Date.now()}` } : {};
      const res = await worker.request('/reservations', { as: newPlayer(), headers, json: booking(coach, slot(100 + i * 90)) });
      assert.equal(res.status, 201);
      assert.equal(res.body.videoStatus, 'ready');
      assert.equal(res.headers.get('x-d1-round-trips'), '2');
      assert.equal((await standin.calls()).length, 1);
    }
  });

  test('a keyed booking while Daily is down: still 2 D1 round trips, and the replay is the same', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    await standin.fault({ path: '/rooms', status: 400 });
    try {
      const request = { as: player, headers: { 'Idempotency-Key': `budget-down-${Date.now()}` }, json: booking(coach, slot(500)) };
      const first = await worker.request('/reservations', request);
      assert.equal(first.status, 201);
      assert.equal(first.body.videoStatus, 'pending');
      assert.equal(first.headers.get('x-d1-round-trips'), '2');
      const again = await worker.request('/reservations', request);
      assert.equal(again.text, first.text);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
    } finally {
      await standin.clearFaults();
    }
  });

  test('token: 1 D1 round trip and no Daily request', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const r = (await worker.request('/reservations', { as: player, json: booking(coach, slot(5)) })).body;
    await standin.clearCalls();
    for (const user of [player, coach.user, player]) {
      const res = await worker.request(`/reservations/${r.id}/daily-token`, { as: user });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-d1-round-trips'), '1');
    }
    assert.deepEqual(await standin.calls(), []);
  });

  test('the count is on the answers that reached D1, and only when INSTRUMENT is "true"', async () => {
    assert.equal((await worker.request('/healthz')).headers.get('x-d1-round-trips'), null);
    const offers = await worker.request('/api/coaches/coach_demo/announcements');
    assert.equal(offers.status, 200);
    assert.equal(offers.headers.get('x-d1-round-trips'), '1');
    const plain = await startWorker({ standin });
    try {
      const res = await plain.request('/api/coaches/coach_demo/announcements');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-d1-round-trips'), null);
    } finally {
      await plain.stop();
    }
  });
});
