// Only the coach and the player of a reservation see it; everyone else gets 401 or 404.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { sessionToken, signHs256, SESSION_SECRET } from '../support/jwt.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
let reservation;
let coach;
let player;
before(async () => {
  ({ standin, worker } = await startStack());
  coach = await newCoach(worker);
  player = newPlayer();
  reservation = (await worker.request('/reservations', { as: player, json: booking(coach, slot(10)) })).body;
});
after(() => stopStack({ standin, worker }));

const tokenPath = () => `/reservations/${reservation.id}/daily-token`;

describe('who may fetch a token', () => {
  test('another signed-in player gets 404, as if the reservation did not exist', async () => {
    for (const route of [tokenPath(), `/reservations/${reservation.id}`]) {
      const res = await worker.request(route, { as: demo.other });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: { code: 'reservation_not_found', message: 'no such reservation' } });
      const unknown = await worker.request('/reservations/3f2b8c1e-9d4a-4e6f-8b7c-1a2d3e4f5a6b/daily-token', { as: demo.other });
      assert.deepEqual(unknown.body, res.body, 'same answer for unknown and foreign ids');
    }
  });

  test('another coach gets 404', async () => {
    const res = await worker.request(tokenPath(), { as: demo.coach });
    assert.equal(res.status, 404);
  });

  test('malformed ids are 404, not 500', async () => {
    for (const id of ['not-a-uuid', '1', "' OR 1=1 --", '%00']) {
      const res = await worker.request(`/reservations/${encodeURIComponent(id)}/daily-token`, { as: player });
      assert.equal(res.status, 404, id);
    }
  });

  test('no session: 401 unauthenticated', async () => {
    const res = await worker.request(tokenPath());
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'unauthenticated');
  });

  test('expired, wrongly signed, unsigned or foreign session tokens: 401', async () => {
    const bad = {
      expired: sessionToken(player, { expiresIn: -120 }),
      'wrong secret': sessionToken(player, { secret: 'not-the-platform-secret' }),
      'alg none': signHs256({ alg: 'none', typ: 'JWT' }, { sub: player.id }, SESSION_SECRET).replace(/[^.]+$/, ''),
      'alg HS512 header': sessionToken(player, { header: { alg: 'HS512', typ: 'JWT' } }),
      'wrong issuer': sessionToken(player, { iss: 'https://evil.example' }),
      'wrong audience': sessionToken(player, { aud: 'another-api' }),
      'no exp': sessionToken(player, { exp: undefined }),
      'no sub': sessionToken(player, { sub: undefined }),
      garbage: 'hello',
    };
    for (const [why, token] of Object.entries(bad)) {
      const res = await worker.request(tokenPath(), { token });
      assert.equal(res.status, 401, why);
      assert.equal(res.body.error.code, 'unauthenticated', why);
    }
  });

  test('a token is never refused for its locale, name or e-mail: en-* is English, anything else French', async () => {
    for (const [locale, expected] of [['en-GB', 'en'], ['EN', 'en'], ['de', 'fr'], [undefined, 'fr'], ['', 'fr']]) {
      const res = await worker.request('/api/me', { token: sessionToken(player, { locale }) });
      assert.equal(res.status, 200, `locale ${locale}: ${res.text}`);
      assert.equal(res.body.locale, expected, `locale ${locale}`);
    }
    const nameless = await worker.request('/api/me', { token: sessionToken(player, { name: undefined, email: 'nina.sans-nom@example.test' }) });
    assert.equal(nameless.status, 200, nameless.text);
    assert.equal(nameless.body.name, 'nina.sans-nom', 'the e-mail before the @');
    const bare = await worker.request('/api/me', { token: sessionToken(player, { name: undefined, email: undefined }) });
    assert.equal(bare.status, 200, bare.text);
    assert.equal(bare.body.name, player.id, 'the user id, last');
    assert.equal(bare.body.email, null);
    const token = await worker.request(tokenPath(), { token: sessionToken(player, { locale: 'pt-BR', name: undefined }) });
    assert.equal(token.status, 200, token.text);
  });

  test('the session cookie works like the bearer token', async () => {
    const res = await worker.request(tokenPath(), { headers: { cookie: `theme=dark; edgemy_session=${sessionToken(player)}` } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.userRole, 'player');
    const wrong = await worker.request(tokenPath(), { headers: { cookie: `edgemy_session=${sessionToken(demo.other)}` } });
    assert.equal(wrong.status, 404);
  });

  test('booking needs a session too', async () => {
    const res = await worker.request('/reservations', { json: booking(coach, slot(300)) });
    assert.equal(res.status, 401);
    assert.equal((await worker.rows('SELECT COUNT(*) AS n FROM reservations WHERE start_at > ?1', Math.floor(Date.now() / 1000) + 250 * 60))[0].n, 0);
  });
});

describe('routing', () => {
  test('unknown routes and methods answer JSON errors', async () => {
    const missing = await worker.request('/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const method = await worker.request('/reservations', { method: 'DELETE' });
    assert.equal(method.status, 405);
    assert.equal(method.body.error.code, 'method_not_allowed');
  });

  test('health check', async () => {
    const res = await worker.request('/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
  });
});
