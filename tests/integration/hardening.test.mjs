// What a hostile or clumsy client found, each as the request that showed it: booking floods,
// far-future dates, cross-site writes, HEAD and 405, huge streamed bodies, missing headers, and
// two reschedules racing each other to Daily.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { sessionToken } from '../support/jwt.mjs';
import { fetchFresh } from '../support/http.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack({ vars: { ALLOWED_ORIGINS: 'https://app.edgemy.example' } }));
});
after(() => stopStack({ standin, worker }));
beforeEach(async () => {
  await standin.clearFaults();
  await standin.clearCalls();
});

const book = (player, coach, s, w = worker) => w.request('/reservations', { as: player, json: booking(coach, s) });
const cancel = (user, id, w = worker) => w.request(`/reservations/${id}/cancel`, { as: user, method: 'POST' });

describe('booking floods', () => {
  test('a player making change after change is stopped with 429 rate_limited and Retry-After; others are not', async (t) => {
    // The limit as wrangler.toml sets it (the other suites raise it).
    const stack = await startStack({ writeLimit: 'wrangler' });
    t.after(() => stopStack(stack));
    const w = stack.worker;
    const coach = await newCoach(w);
    const player = newPlayer();
    const first = await book(player, coach, slot(60), w);
    assert.equal(first.status, 201, first.text);
    // wrangler.toml allows 10 changes a minute per user (fixed windows): the first 10 always
    // pass; keep going until refused, as a flooding client would.
    const statuses = [first.status];
    let refused;
    while (!refused && statuses.length < 100) {
      const res = await cancel(player, first.body.id, w);
      if (res.status === 429) refused = res;
      else statuses.push(res.status);
    }
    assert.ok(statuses.length >= 10, `${statuses.length} changes passed before the limit`);
    assert.ok(statuses.every((s) => s === 200 || s === 201), statuses.join());
    assert.ok(refused, 'no 429 after 100 changes');
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.equal(refused.headers.get('retry-after'), '60');
    const blocked = await book(player, coach, slot(300), w);
    assert.equal(blocked.status, 429, 'booking counts against the same limit');
    const moved = await w.request(`/reservations/${first.body.id}`, { as: player, method: 'PATCH', json: slot(400) });
    assert.equal(moved.status, 429, 'so does a reschedule');
    const other = await book(newPlayer(), coach, slot(500), w);
    assert.equal(other.status, 201, 'another player is not limited');
  });

  test(`a player's upcoming sessions are capped at MAX_UPCOMING_PER_PLAYER (20): 422 too_many_upcoming`, async () => {
    const coach = await newCoach(worker, { duration: 30 });
    const player = newPlayer();
    const anchor = Date.now();
    const made = [];
    for (let i = 0; i < 20; i++) {
      const res = await book(player, coach, slot(60 + i * 30, 30, anchor));
      assert.equal(res.status, 201, res.text);
      made.push(res.body);
    }
    const over = await book(player, coach, slot(60 + 20 * 30, 30, anchor));
    assert.equal(over.status, 422, over.text);
    assert.equal(over.body.error.code, 'too_many_upcoming');
    assert.equal(over.body.error.limit, 20);
    const rows = await worker.rows("SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1 AND status = 'confirmed'", player.id);
    assert.equal(rows[0].n, 20, 'nothing stored past the cap');
    assert.equal((await cancel(player, made[0].id)).status, 200);
    const again = await book(player, coach, slot(60 + 20 * 30, 30, anchor));
    assert.equal(again.status, 201, 'a cancelled session frees a place');
  });

  test('a session more than BOOKING_HORIZON_DAYS (180) ahead: 422 start_too_far, for booking and reschedule', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const far = await book(player, coach, slot(181 * 24 * 60));
    assert.equal(far.status, 422, far.text);
    assert.equal(far.body.error.code, 'start_too_far');
    assert.match(far.body.error.latestStart, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const latest = Date.parse(far.body.error.latestStart);
    assert.ok(Math.abs(latest - (Date.now() + 180 * 86_400_000)) < 3_600_000, far.body.error.latestStart);

    // Found by the hostile client: year 9999 was accepted, and this one answered as year 10000.
    const y9999 = await book(player, coach, { startDate: '9999-12-31T23:00:00-01:00', endDate: '9999-12-31T23:59:59Z' });
    assert.equal(y9999.status, 422, y9999.text);
    assert.ok(['start_too_far', 'invalid_time_range', 'duration_mismatch'].includes(y9999.body.error.code), y9999.text);
    assert.doesNotMatch(y9999.text, /10000/);
    const y9999utc = await book(player, coach, { startDate: '9999-12-31T22:00:00Z', endDate: '9999-12-31T23:00:00Z' });
    assert.equal(y9999utc.body.error.code, 'start_too_far');

    const near = await book(player, coach, slot(179 * 24 * 60));
    assert.equal(near.status, 201, near.text);
    const moved = await worker.request(`/reservations/${near.body.id}`, { as: player, method: 'PATCH', json: slot(200 * 24 * 60) });
    assert.equal(moved.status, 422, moved.text);
    assert.equal(moved.body.error.code, 'start_too_far');
  });
});

describe('cross-site requests', () => {
  const raw = (route, { as = demo.player, headers = {}, ...init } = {}) =>
    fetchFresh(worker.url + route, { ...init, headers: { authorization: `Bearer ${sessionToken(as)}`, ...headers } });
  const bodyOf = async (res) => ({ status: res.status, body: await res.json().catch(() => null), headers: res.headers });

  test('a form post is 415 unsupported_media_type, and books nothing', async () => {
    const coach = await newCoach(worker);
    const form = new URLSearchParams(booking(coach, slot(90)));
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', form.toString()],
      ['text/plain', JSON.stringify(booking(coach, slot(90)))],
      ['multipart/form-data; boundary=x', '--x--'],
    ]) {
      const res = await bodyOf(await raw('/reservations', { method: 'POST', headers: { 'content-type': type }, body }));
      assert.equal(res.status, 415, type);
      assert.equal(res.body.error.code, 'unsupported_media_type');
    }
    const noType = await bodyOf(await raw('/reservations', { method: 'POST', body: new Blob([JSON.stringify(booking(coach, slot(90)))]) }));
    assert.equal(noType.status, 415, 'a body without a Content-Type');
    const rows = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE coach_id = ?1', coach.coachId);
    assert.equal(rows[0].n, 0);
    const json = await bodyOf(await raw('/reservations', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(booking(coach, slot(90))) }));
    assert.equal(json.status, 201, 'JSON with a charset is JSON');
  });

  test('cancel takes no body or a JSON one, never a form', async () => {
    const coach = await newCoach(worker);
    const made = [];
    for (const start of [120, 240, 360]) made.push((await book(newPlayer(), coach, slot(start))).body);
    const form = await bodyOf(await raw(`/reservations/${made[0].id}/cancel`, { as: coach.user, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' }));
    assert.equal(form.status, 415);
    for (const [body, code] of [['[null, null]', 'invalid_body'], ['"yes"', 'invalid_body'], ['nope', 'invalid_json'], ['\f', 'invalid_json'], ['\n', 'invalid_json']]) {
      const res = await bodyOf(await raw(`/reservations/${made[0].id}/cancel`, { as: coach.user, method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      assert.equal(res.status, 400, body);
      assert.equal(res.body.error.code, code, body);
    }
    assert.equal((await worker.request(`/reservations/${made[0].id}`, { as: coach.user })).body.status, 'confirmed');
    const none = await bodyOf(await raw(`/reservations/${made[0].id}/cancel`, { as: coach.user, method: 'POST' }));
    assert.equal(none.status, 200);
    assert.equal(none.body.status, 'cancelled');
    const json = await bodyOf(await raw(`/reservations/${made[1].id}/cancel`, { as: coach.user, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    assert.equal(json.status, 200);
    const untouched = await worker.request(`/reservations/${made[2].id}`, { as: coach.user });
    assert.equal(untouched.body.status, 'confirmed');
  });

  test('Sec-Fetch-Site: cross-site, or a foreign Origin, is 403 cross_site_request', async () => {
    const coach = await newCoach(worker);
    const json = { 'content-type': 'application/json' };
    const attempt = (headers) => raw('/reservations', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(booking(coach, slot(600))) }).then(bodyOf);
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'https://app.edgemy.example.evil.example' },
    ]) {
      const res = await attempt(headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.body.error.code, 'cross_site_request');
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
    const rows = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE coach_id = ?1', coach.coachId);
    assert.equal(rows[0].n, 0);
    const own = await attempt({ origin: worker.url, 'sec-fetch-site': 'same-origin' });
    assert.equal(own.status, 201, 'our own page');
    assert.equal(own.headers.get('access-control-allow-origin'), null, 'no CORS for our own origin');
  });

  test('CORS only for an origin listed in ALLOWED_ORIGINS', async () => {
    const listed = 'https://app.edgemy.example';
    const preflight = await raw('/reservations', { method: 'OPTIONS', headers: { origin: listed, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), listed);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers'), /Content-Type/);
    const me = await raw('/api/me', { headers: { origin: listed } });
    assert.equal(me.headers.get('access-control-allow-origin'), listed);
    assert.equal(me.headers.get('vary'), 'Origin');
    const coach = await newCoach(worker);
    const fromListed = await bodyOf(await raw('/reservations', {
      method: 'POST',
      headers: { origin: listed, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      body: JSON.stringify(booking(coach, slot(800))),
    }));
    assert.equal(fromListed.status, 201, 'a listed origin may book from its own site');
    assert.equal(fromListed.headers.get('access-control-allow-origin'), listed);
    for (const origin of ['https://evil.example', undefined]) {
      const res = await raw('/api/me', { headers: origin ? { origin } : {} });
      assert.equal(res.headers.get('access-control-allow-origin'), null, String(origin));
      const pre = await raw('/reservations', { method: 'OPTIONS', headers: origin ? { origin } : {} });
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
    }
  });
});

describe('HTTP details', () => {
  test('HEAD answers every GET route with its status and headers, and no body', async () => {
    const coach = await newCoach(worker);
    const r = (await book(demo.player, coach, slot(700))).body;
    for (const route of ['/healthz', '/', '/api/config', '/api/me', '/api/player/sessions', '/api/coach/sessions',
      `/api/coaches/${coach.coachId}/announcements`, `/reservations/${r.id}`, `/reservations/${r.id}/daily-token`, '/dev/users']) {
      const get = await worker.request(route, { as: demo.player });
      const head = await worker.request(route, { as: demo.player, method: 'HEAD' });
      assert.equal(head.status, get.status, route);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), route);
      assert.equal(head.text, '', route);
    }
  });

  test('405 names the allowed methods in Allow', async () => {
    const cases = [
      ['DELETE', '/reservations/x', 'GET, HEAD, PATCH, OPTIONS'],
      ['PUT', '/reservations', 'POST, OPTIONS'],
      ['POST', '/api/me', 'GET, HEAD, OPTIONS'],
      ['GET', '/reservations/x/cancel', 'POST, OPTIONS'],
    ];
    for (const [method, route, allow] of cases) {
      const res = await worker.request(route, { as: demo.player, method });
      assert.equal(res.status, 405, `${method} ${route}`);
      assert.equal(res.body.error.code, 'method_not_allowed');
      assert.equal(res.headers.get('allow'), allow);
    }
  });

  test('a chunked upload is refused once it passes 16 KiB, before it ends', async () => {
    const coach = await newCoach(worker);
    // A chunked upload (no Content-Length: its size is known only once it ends) that stops after
    // its first 20 KiB and waits for the answer, as a 20 MB upload on a slow link would: a Worker
    // that read the whole body before answering would never answer, and the test would fail on
    // its timeout. (Nothing more is written after those 20 KiB, so the Worker has read
    // all that was sent when it answers and closes, and the answer cannot be lost to a reset.)
    const { status, body } = await new Promise((resolve, reject) => {
      const req = http.request(`${worker.url}/reservations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sessionToken(demo.player)}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
        agent: false,
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(20 * 1024, 0x20));
    });
    assert.equal(status, 413);
    assert.equal(body.error.code, 'payload_too_large');
    const rows = await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE coach_id = ?1', coach.coachId);
    assert.equal(rows[0].n, 0);
  }, { timeout: 60_000 });

  test('nosniff and Referrer-Policy on every answer, static files included; HSTS over HTTPS', async () => {
    for (const route of ['/healthz', '/', '/app.js', '/styles.css', '/favicon.svg', '/api/me', '/nope', '/reservations']) {
      const res = await worker.request(route);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', route);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', route);
    }
    const https = await worker.dispatch('https://sessions.edgemy.example/healthz');
    assert.equal(https.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    const plain = await worker.request('/healthz');
    assert.equal(plain.headers.get('strict-transport-security'), null, 'not over plain HTTP');
  });
});

describe('concurrent reschedules', () => {
  test('two racing reschedules leave the room at Daily on the window the reservation ends with', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const anchor = Date.now();
    const r = (await book(player, coach, slot(120, 60, anchor))).body;
    const [a, b] = [slot(600, 60, anchor), slot(900, 60, anchor)];
    const roomPath = `/rooms/${r.dailyRoomName}`;
    // Daily holds the first move until released: the second reschedule runs to the end in
    // between, so the first one's move reaches Daily last, with a window that is no longer the
    // reservation's.
    await standin.fault({ method: 'POST', path: roomPath, hold: true, times: 1 });
    const first = worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: a });
    await standin.waitForCall((c) => c.method === 'POST' && c.path === roomPath && c.status === null, { unless: first });
    const second = await worker.request(`/reservations/${r.id}`, { as: coach.user, method: 'PATCH', json: b });
    assert.equal(second.status, 200, second.text);
    assert.equal((await standin.release()).released, 1);
    assert.equal((await first).status, 200);

    const final = (await worker.request(`/reservations/${r.id}`, { as: player })).body;
    assert.equal(final.startDate, b.startDate, 'the last reschedule to reach D1 wins');
    assert.equal(final.videoStatus, 'ready');
    const room = (await standin.api('GET', roomPath)).body;
    const expected = Date.parse(final.endDate) / 1000 + 30 * 60;
    assert.equal(room.config.exp, expected, "the room's window is the reservation's");
  });
});
