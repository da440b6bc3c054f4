// Each participant gets a self-signed Daily token for their role, inside their join window,
// with no request to Daily once the room exists; the room page accepts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { verifyHs256 } from '../support/jwt.mjs';
import { booking, insertReservation, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

let standin;
let worker;
let domainId;
before(async () => {
  ({ standin, worker } = await startStack());
  domainId = (await standin.api('GET', '/')).body.domain_id;
});
after(() => stopStack({ standin, worker }));

async function bookSoon(startInMinutes = 10) {
  const coach = await newCoach(worker);
  const player = newPlayer({ name: 'Léa Joueuse' });
  const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(startInMinutes)) });
  assert.equal(res.status, 201, res.text);
  return { coach, player, reservation: res.body };
}

describe('GET /reservations/:id/daily-token', () => {
  test('coach gets an owner token, player a participant token, both verified with the API key', async () => {
    const { coach, player, reservation: r } = await bookSoon(10);
    const now = Math.floor(Date.now() / 1000);

    const asCoach = await worker.request(`/reservations/${r.id}/daily-token`, { as: coach.user });
    assert.equal(asCoach.status, 200, asCoach.text);
    assert.equal(asCoach.headers.get('cache-control'), 'no-store');
    const asPlayer = await worker.request(`/reservations/${r.id}/daily-token`, { as: player });
    assert.equal(asPlayer.status, 200, asPlayer.text);

    for (const [res, user, role, lead] of [
      [asCoach, coach.user, 'coach', 30],
      [asPlayer, player, 'player', 15],
    ]) {
      const body = res.body;
      assert.deepEqual(Object.keys(body).sort(), ['embed', 'endDate', 'expiresAt', 'roomName', 'roomUrl', 'startDate', 'token', 'userRole']);
      assert.equal(body.userRole, role);
      assert.equal(body.embed, 'standin', 'a stand-in room URL is not Daily Prebuilt');
      assert.equal(body.roomName, r.dailyRoomName);
      assert.equal(body.roomUrl, r.dailyRoomUrl);
      assert.equal(body.startDate, r.startDate);
      assert.equal(body.endDate, r.endDate);
      assert.equal(unix(body.expiresAt), unix(r.endDate) + 1800);

      const { header, claims } = verifyHs256(body.token, standin.apiKey);
      assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
      assert.deepEqual(Object.keys(claims), ['r', 'd', 'iat', 'nbf', 'exp', 'o', 'u', 'ud', 'ejt']);
      assert.equal(claims.r, r.dailyRoomName);
      assert.equal(claims.d, domainId);
      assert.ok(Math.abs(claims.iat - now) <= 5);
      assert.equal(claims.nbf, unix(r.startDate) - lead * 60);
      assert.equal(claims.exp, unix(r.endDate) + 30 * 60);
      assert.equal(claims.o, role === 'coach');
      assert.equal(claims.u, user.name);
      assert.equal(claims.ud, user.id);
      assert.equal(claims.ejt, true);
      assert.throws(() => verifyHs256(body.token, 'another-key'));
    }
  });

  test('no request to Daily once the room exists (domain id fetched once per isolate)', async () => {
    const { coach, player, reservation: r } = await bookSoon(12);
    await worker.request(`/reservations/${r.id}/daily-token`, { as: coach.user });
    await standin.clearCalls();
    for (let i = 0; i < 5; i++) {
      const res = await worker.request(`/reservations/${r.id}/daily-token`, { as: i % 2 ? coach.user : player });
      assert.equal(res.status, 200);
    }
    assert.deepEqual(await standin.calls(), []);
  });

  test("the room page admits each token and shows who is there and as what", async () => {
    const { coach, player, reservation: r } = await bookSoon(8);
    const coachToken = (await worker.request(`/reservations/${r.id}/daily-token`, { as: coach.user })).body;
    const playerToken = (await worker.request(`/reservations/${r.id}/daily-token`, { as: player })).body;

    const coachPage = await (await fetch(`${coachToken.roomUrl}?t=${coachToken.token}`)).text();
    assert.match(coachPage, /data-state="joined"/);
    assert.match(coachPage, /data-role="owner"/);
    assert.match(coachPage, /data-user-name="Coach Test"/);
    const playerPage = await (await fetch(`${playerToken.roomUrl}?t=${playerToken.token}`)).text();
    assert.match(playerPage, /data-role="participant"/);
    assert.match(playerPage, /data-user-name="Léa Joueuse"/);

    const inRoom = await standin.participants(r.dailyRoomName);
    assert.deepEqual(
      inRoom.map((p) => [p.user_name, p.owner]).sort(),
      [['Coach Test', true], ['Léa Joueuse', false]],
    );
    const stranger = await (await fetch(`${coachToken.roomUrl}?t=${coachToken.token.slice(0, -2)}xx`)).text();
    assert.match(stranger, /data-error="not-allowed"/);
  });

  test('before the window: 409 not_open_yet with opensAt; the coach opens 15 min before the player', async () => {
    const { coach, player, reservation: r } = await bookSoon(25);
    const p = await worker.request(`/reservations/${r.id}/daily-token`, { as: player });
    assert.equal(p.status, 409);
    assert.equal(p.body.error.code, 'not_open_yet');
    assert.equal(unix(p.body.error.opensAt), unix(r.startDate) - 15 * 60);
    const c = await worker.request(`/reservations/${r.id}/daily-token`, { as: coach.user });
    assert.equal(c.status, 200, 'the coach may join 30 min before');

    const { coach: coach2, reservation: later } = await bookSoon(120);
    const early = await worker.request(`/reservations/${later.id}/daily-token`, { as: coach2.user });
    assert.equal(early.status, 409);
    assert.equal(unix(early.body.error.opensAt), unix(later.startDate) - 30 * 60);
  });

  test('after the window: 410 session_ended', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const id = await insertReservation(worker, {
      coach, player, startDate: isoIn(-120), endDate: isoIn(-60),
    });
    for (const user of [coach.user, player]) {
      const res = await worker.request(`/reservations/${id}/daily-token`, { as: user });
      assert.equal(res.status, 410);
      assert.equal(res.body.error.code, 'session_ended');
    }
    const justEnded = await insertReservation(worker, { coach, player, startDate: isoIn(-89), endDate: isoIn(-29) });
    assert.equal((await worker.request(`/reservations/${justEnded}/daily-token`, { as: player })).status, 200);
  });

  test('a cancelled reservation grants no token: 410 reservation_cancelled', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const id = await insertReservation(worker, { coach, player, startDate: isoIn(5), endDate: isoIn(65), status: 'cancelled' });
    const res = await worker.request(`/reservations/${id}/daily-token`, { as: player });
    assert.equal(res.status, 410);
    assert.equal(res.body.error.code, 'reservation_cancelled');
  });

  test('tokens are not stored anywhere in D1', async () => {
    const { player, reservation: r } = await bookSoon(9);
    const { token } = (await worker.request(`/reservations/${r.id}/daily-token`, { as: player })).body;
    const tables = await worker.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'");
    for (const { name } of tables) {
      const rows = await worker.rows(`SELECT * FROM "${name}"`);
      assert.ok(!JSON.stringify(rows).includes(token.split('.')[2]), `token signature found in ${name}`);
    }
  });
});
