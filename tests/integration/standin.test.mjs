// The Daily stand-in answers as daily-api.md documents Daily: auth errors, validation errors,
// duplicate names, not-found, and the rate limits (20 req/s; 2 deletions a second). Its test
// controls replay a seed and hold requests until released.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStandin } from '../support/standin.mjs';

let standin;
before(async () => {
  standin = await startStandin();
});
after(async () => {
  await standin?.stop();
});

const raw = (method, route, { headers = {}, body } = {}) =>
  fetch(`${standin.apiBase}${route}`, { method, headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('Daily stand-in', () => {
  test('authentication errors have the documented bodies', async () => {
    const missing = await raw('GET', '/');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'authorization-header-error');
    const bad = await raw('GET', '/', { headers: { authorization: 'Bearer nope' } });
    assert.deepEqual(bad, { status: 401, body: { error: 'authentication-error' } });
  });

  test('room validation, duplicates and not-found', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    assert.equal((await standin.api('POST', '/rooms', { name: 'a b' })).body.error, 'invalid-request-error');
    const past = await standin.api('POST', '/rooms', { name: 'r1', properties: { exp: 1 } });
    assert.match(past.body.info, /exp was '1', which is in the past/);
    const created = await standin.api('POST', '/rooms', { name: 'r1', privacy: 'private', properties: { exp, max_participants: 2 } });
    assert.equal(created.status, 200);
    assert.equal(created.body.url, `${standin.origin}/r1`);
    const dup = await standin.api('POST', '/rooms', { name: 'r1' });
    assert.deepEqual(dup, { status: 400, body: { error: 'invalid-request-error', info: 'a room named r1 already exists' } });
    const unknownProp = await standin.api('POST', '/rooms', { name: 'r2', properties: { colour: 'red' } });
    assert.equal(unknownProp.status, 400);
    const missing = await standin.api('GET', '/rooms/nope');
    assert.deepEqual(missing, { status: 404, body: { error: 'not-found', info: 'room nope not found' } });
    const parse = await raw('POST', '/rooms', { headers: { authorization: `Bearer ${standin.apiKey}` }, body: '{' });
    assert.equal(parse.body.error, 'json-parsing-error');
  });

  test('rate limits: 20 requests a second, 2 deletions a second, with rate-limit-error', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const burst = await Promise.all(Array.from({ length: 30 }, () => standin.api('GET', '/rooms', undefined, { patient: false })));
    const limited = burst.filter((r) => r.status === 429);
    assert.equal(burst.length - limited.length, 20);
    assert.ok(limited.every((r) => r.body.error === 'rate-limit-error'));
    const deletes = [];
    for (const name of ['d1', 'd2', 'd3']) deletes.push((await standin.api('DELETE', `/rooms/${name}`, undefined, { patient: false })).status);
    assert.deepEqual(deletes, [404, 404, 429]);
  });
});

describe('Daily stand-in test controls', () => {
  test('a seed replays the same ids and generated room names', async () => {
    const rooms = [];
    for (const seed of [4242, 4242, 4243]) {
      const other = await startStandin({ seed });
      try {
        assert.equal(other.seed, seed);
        const { status, body } = await other.api('POST', '/rooms', {});
        assert.equal(status, 200);
        rooms.push({ id: body.id, name: body.name });
      } finally {
        await other.stop();
      }
    }
    assert.deepEqual(rooms[1], rooms[0]);
    assert.notDeepEqual(rooms[2], rooms[0]);
    assert.match(rooms[0].name, /^[A-Za-z0-9]{20}$/);
  });

  test('a held request waits, pending in the call log, until released', async () => {
    await standin.clearCalls();
    await standin.fault({ method: 'GET', path: '/rooms/held', hold: true, status: 503, times: 1 });
    const held = standin.api('GET', '/rooms/held', undefined, { patient: false });
    const call = await standin.waitForCall((c) => c.path === '/rooms/held', { unless: held });
    assert.equal(call.status, null);
    assert.match(call.fault, /"hold":true/);
    assert.equal((await standin.api('GET', '/rooms/other')).status, 404, 'other requests are not held');
    assert.deepEqual(await standin.release(), { released: 1 });
    assert.deepEqual(await held, { status: 503, body: { error: 'server-error', info: 'injected fault (HTTP 503)' } });
    assert.equal((await standin.calls()).find((c) => c.path === '/rooms/held').status, 503);
  });
});
