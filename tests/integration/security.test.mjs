// Attacks on identity and on other people's reservations: session JWTs forged, confused or
// tampered with in the ways RFC 8725 lists, and signed-in users reaching for reservations that
// are not theirs. Tokens are built here with node:crypto, apart from the Worker's own code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { startStack, stopStack } from '../support/stack.mjs';
import { AUDIENCE, ISSUER, SESSION_SECRET } from '../support/jwt.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
let coach;
let player;
let reservation;
before(async () => {
  ({ standin, worker } = await startStack());
  coach = await newCoach(worker);
  player = newPlayer({ name: 'Joueur Visé' });
  const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(10)) });
  assert.equal(res.status, 201, res.text);
  reservation = res.body;
});
after(() => stopStack({ standin, worker }));

const b64url = (data) => Buffer.from(data).toString('base64url');
const segment = (json) => b64url(JSON.stringify(json));

/** The claims of a good session token for `user`; `overrides` change or (with undefined) drop some. */
function claimsFor(user, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: user.id, name: user.name, email: user.email, locale: user.locale, iat: now, exp: now + 3600, ...overrides };
}

/** Signs `header.claims` as `alg` says with `key` (a secret, or an RSA private key for RS256). */
function jwt(header, claims, { alg = header.alg, key = SESSION_SECRET } = {}) {
  const input = `${segment(header)}.${segment(claims)}`;
  const signers = {
    HS256: () => createHmac('sha256', key).update(input).digest('base64url'),
    HS512: () => createHmac('sha512', key).update(input).digest('base64url'),
    RS256: () => sign('sha256', Buffer.from(input), key).toString('base64url'),
    none: () => '',
  };
  return `${input}.${signers[alg]()}`;
}

const HEADER = { alg: 'HS256', typ: 'JWT' };
const good = (user, overrides) => jwt(HEADER, claimsFor(user, overrides));

/** Replaces the character at `index` of `s` with another base64url character. */
const flipAt = (s, index) => s.slice(0, index) + (s[index] === 'A' ? 'B' : 'A') + s.slice(index + 1);

const asBearer = (token) => worker.request('/api/me', { token });
const asCookie = (token) => worker.request('/api/me', { headers: { cookie: `lang=fr; edgemy_session=${token}` } });

describe('session JWTs (RFC 8725)', () => {
  test('the token builder of this suite is accepted when every field is right, as Bearer and as cookie', async () => {
    for (const send of [asBearer, asCookie]) {
      const res = await send(good(player));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, player.id);
      assert.equal(res.body.name, 'Joueur Visé');
    }
  });

  test('fractional NumericDates (exp, iat, nbf) are accepted', async () => {
    const now = Date.now() / 1000;
    const res = await asBearer(good(player, { exp: Math.floor(now) + 3600.5, iat: now - 0.25, nbf: Math.floor(now) - 60.75 }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, player.id);
  });

  test('forged, confused, tampered and misdirected tokens get 401 unauthenticated, as Bearer and as cookie', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = claimsFor(player);
    const valid = good(player);
    const [h, p, s] = valid.split('.');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await worker.request(`/reservations/${reservation.id}/daily-token`, { as: player });
    assert.equal(token.status, 200, token.text);

    const forged = {
      'alg none, no signature segment': jwt({ alg: 'none', typ: 'JWT' }, claims).replace(/\.$/, ''),
      'alg none, empty signature': jwt({ alg: 'none', typ: 'JWT' }, claims),
      'alg None, empty signature': jwt({ alg: 'None', typ: 'JWT' }, claims, { alg: 'none' }),
      'alg none with the right HS256 signature': jwt({ alg: 'none', typ: 'JWT' }, claims, { alg: 'HS256' }),
      'HS512 signed with the right secret': jwt({ alg: 'HS512', typ: 'JWT' }, claims),
      'RS256 signed with a fresh RSA key': jwt({ alg: 'RS256', typ: 'JWT' }, claims, { key: privateKey }),
      'RS256 with its public key embedded (jwk)': jwt(
        { alg: 'RS256', typ: 'JWT', jwk: publicKey.export({ format: 'jwk' }) }, claims, { key: privateKey },
      ),
      'header RS256, HMAC-SHA256 with the secret': jwt({ alg: 'RS256', typ: 'JWT' }, claims, { alg: 'HS256' }),
      'wrong iss': good(player, { iss: 'https://edgemy.fr.evil.example' }),
      'wrong aud': good(player, { aud: 'edgemy-admin' }),
      'typ at+jwt': jwt({ alg: 'HS256', typ: 'at+jwt' }, claims),
      'crit header': jwt({ alg: 'HS256', typ: 'JWT', crit: ['exp'] }, claims),
      'exp passed (beyond the leeway)': good(player, { iat: now - 7200, exp: now - 120 }),
      'nbf in the future (beyond the leeway)': good(player, { nbf: now + 300 }),
      'signature with one character flipped': `${h}.${p}.${flipAt(s, 10)}`,
      'payload with another sub, signature kept': `${h}.${segment({ ...claims, sub: coach.user.id })}.${s}`,
      'a Daily meeting token of a real booking': token.body.token,
      'four segments': `${valid}.${s}`,
      'five segments': `${valid}.${p}.${s}`,
      'a trailing dot': `${valid}.`,
    };
    for (const [why, bad] of Object.entries(forged)) {
      for (const [carrier, send] of [['Bearer', asBearer], ['cookie', asCookie]]) {
        const res = await send(bad);
        assert.equal(res.status, 401, `${why} (${carrier}): ${res.text}`);
        assert.equal(res.body.error.code, 'unauthenticated', `${why} (${carrier})`);
      }
    }
  });
});

describe("other people's reservations", () => {
  /** The four requests on one reservation id that a signed-in user could make. */
  const requests = (id) => ({
    read: [`/reservations/${id}`, {}],
    'daily token': [`/reservations/${id}/daily-token`, {}],
    cancel: [`/reservations/${id}/cancel`, { method: 'POST', json: {} }],
    reschedule: [`/reservations/${id}`, { method: 'PATCH', json: slot(600) }],
  });

  test('a stranger gets exactly the answer of an unknown id, and nothing changes', async () => {
    const strangers = {
      'another player': newPlayer(),
      'a coach who is not the reservation\'s': (await newCoach(worker)).user,
    };
    const unknown = requests(randomUUID());
    for (const [who, user] of Object.entries(strangers)) {
      for (const [what, [route, init]] of Object.entries(requests(reservation.id))) {
        const theirs = await worker.request(route, { as: user, ...init });
        const none = await worker.request(unknown[what][0], { as: user, ...unknown[what][1] });
        assert.equal(none.status, 404, `${what}, unknown id: ${none.text}`);
        assert.equal(theirs.status, none.status, `${who}, ${what}: ${theirs.text}`);
        assert.equal(theirs.text, none.text, `${who}, ${what}: body`);
        assert.equal(theirs.headers.get('content-type'), none.headers.get('content-type'), `${who}, ${what}: content-type`);
      }
    }

    const now = await worker.request(`/reservations/${reservation.id}`, { as: player });
    assert.equal(now.status, 200, now.text);
    assert.equal(now.body.status, 'confirmed');
    assert.equal(now.body.startDate, reservation.startDate);
    assert.equal(now.body.endDate, reservation.endDate);
    assert.equal(now.body.rescheduledAt, null);
    const room = await standin.api('GET', `/rooms/${reservation.dailyRoomName}`);
    assert.equal(room.status, 200, 'the room is still there');
    const join = await worker.request(`/reservations/${reservation.id}/daily-token`, { as: coach.user });
    assert.equal(join.status, 200, 'the coach can still join');
  });
});
