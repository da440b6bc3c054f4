// Reads from the nearest D1 replica: read-only paths use a D1 session that starts from the
// bookmark the client sends back (else any replica), changes use a session on the primary, and
// every answer that touched D1 carries the session's bookmark, so one client reads its own
// writes. Locally there is one database, but the Sessions API and its bookmarks are the real ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));

describe('D1 sessions', () => {
  test('booking, then the list, then the token: each answer carries a bookmark the next request sends', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const booked = await worker.request('/reservations', { as: player, json: booking(coach, slot(5)) });
    assert.equal(booked.status, 201, booked.text);
    const afterWrite = booked.headers.get('x-d1-bookmark');
    assert.match(afterWrite, BOOKMARK);

    const list = await worker.request('/api/player/sessions', { as: player, headers: { 'x-d1-bookmark': afterWrite } });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.sessions.map((s) => s.id), [booked.body.id], 'the read sees the write');
    const afterList = list.headers.get('x-d1-bookmark');
    assert.match(afterList, BOOKMARK);
    assert.ok(afterList >= afterWrite, `${afterList} is not older than ${afterWrite}`);

    const token = await worker.request(`/reservations/${booked.body.id}/daily-token`, { as: player, headers: { 'x-d1-bookmark': afterList } });
    assert.equal(token.status, 200, token.text);
    assert.ok(token.headers.get('x-d1-bookmark') >= afterList);
  });

  test('every path that reads or writes D1 answers its bookmark; the others none', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const r = (await worker.request('/reservations', { as: player, json: booking(coach, slot(120)) })).body;
    const reads = [
      [`/reservations/${r.id}`, player], ['/api/player/sessions', player], ['/api/coach/sessions', coach.user],
      [`/reservations/${r.id}/recordings`, player], [`/reservations/${r.id}/notifications`, player],
      ['/api/me', player], ['/api/player/packs', player], [`/reservations/${r.id}/daily-token`, player],
    ];
    for (const [route, who] of reads) {
      const res = await worker.request(route, { as: who });
      assert.match(res.headers.get('x-d1-bookmark') ?? '', BOOKMARK, route);
    }
    const moved = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: slot(240) });
    assert.equal(moved.status, 200, moved.text);
    assert.match(moved.headers.get('x-d1-bookmark'), BOOKMARK, 'a reschedule');
    const cancelled = await worker.request(`/reservations/${r.id}/cancel`, { as: player, method: 'POST' });
    assert.match(cancelled.headers.get('x-d1-bookmark'), BOOKMARK, 'a cancellation');
    for (const route of ['/healthz', '/api/config']) {
      assert.equal((await worker.request(route)).headers.get('x-d1-bookmark'), null, route);
    }
  });

  test('the bookmark may come as a cookie; one that is not a bookmark is ignored', async () => {
    const player = newPlayer();
    const first = await worker.request('/api/player/sessions', { as: player });
    const bookmark = first.headers.get('x-d1-bookmark');
    const byCookie = await worker.request('/api/player/sessions', { as: player, headers: { cookie: `edgemy_d1_bookmark=${bookmark}` } });
    assert.equal(byCookie.status, 200);
    for (const odd of ['../../etc', 'first-primary', 'x'.repeat(500), `${bookmark}-00`]) {
      const res = await worker.request('/api/player/sessions', { as: player, headers: { 'x-d1-bookmark': odd } });
      assert.equal(res.status, 200, odd);
      assert.match(res.headers.get('x-d1-bookmark'), BOOKMARK);
    }
  });
});
