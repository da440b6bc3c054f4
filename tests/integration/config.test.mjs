// Configuration errors are clear JSON errors naming the variable, never crashes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStandin } from '../support/standin.mjs';
import { demo, startWorker } from '../support/worker.mjs';
import { slot } from '../support/fixtures.mjs';
import { WRONG_DAILY_API_KEY } from '../support/secrets.mjs';

let standin;
const workers = [];
before(async () => {
  standin = await startStandin();
});
after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await standin?.stop();
});
const start = async (vars) => {
  const w = await startWorker({ standin, vars });
  workers.push(w);
  return w;
};
const demoBooking = () => ({ announcementId: 'ann_demo_60', coachId: 'coach_demo', ...slot(60) });

describe('configuration', () => {
  test('without DAILY_API_KEY, booking answers 503 daily_not_configured naming it and stores nothing', async () => {
    const worker = await start({ DAILY_API_KEY: undefined });
    await standin.clearCalls();
    const res = await worker.request('/reservations', { as: demo.player, json: demoBooking() });
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'daily_not_configured');
    assert.equal(res.body.error.variable, 'DAILY_API_KEY');
    assert.match(res.body.error.message, /DAILY_API_KEY/);
    assert.equal((await worker.rows('SELECT COUNT(*) AS n FROM reservations'))[0].n, 0);
    assert.deepEqual(await standin.calls(), []);

    const token = await worker.request('/reservations/3f2b8c1e-9d4a-4e6f-8b7c-1a2d3e4f5a6b/daily-token', { as: demo.player });
    assert.equal(token.body.error.code, 'daily_not_configured');
    const list = await worker.request('/api/player/sessions', { as: demo.player });
    assert.equal(list.status, 200, 'the rest of the API still works');
  });

  test('without AUTH_JWT_SECRET, requests answer 503 auth_not_configured', async () => {
    const worker = await start({ AUTH_JWT_SECRET: undefined });
    const res = await worker.request('/api/player/sessions', { as: demo.player });
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'auth_not_configured');
    assert.equal(res.body.error.variable, 'AUTH_JWT_SECRET');
  });

  test('DAILY_DOMAIN_ID, when set, spares the domain lookup', async () => {
    const worker = await start({ DAILY_DOMAIN_ID: '30f866c3-9123-452a-8723-ff58322d09c5' });
    const res = await worker.request('/reservations', { as: demo.player, json: { announcementId: 'ann_demo_60', coachId: 'coach_demo', ...slot(10) } });
    assert.equal(res.status, 201, res.text);
    await standin.clearCalls();
    const token = await worker.request(`/reservations/${res.body.id}/daily-token`, { as: demo.player });
    assert.equal(token.status, 200);
    assert.deepEqual(await standin.calls(), []);
    const claims = JSON.parse(Buffer.from(token.body.token.split('.')[1], 'base64url'));
    assert.equal(claims.d, '30f866c3-9123-452a-8723-ff58322d09c5');
  });

  test('ROOM_PREFIX names the rooms', async () => {
    const worker = await start({ ROOM_PREFIX: 'edgemy-staging' });
    const res = await worker.request('/reservations', { as: demo.player, json: demoBooking() });
    assert.equal(res.body.dailyRoomName, `edgemy-staging-${res.body.id}`);
  });

  test('a wrong DAILY_API_KEY keeps the booking and reports the room as pending', async () => {
    const worker = await start({ DAILY_API_KEY: WRONG_DAILY_API_KEY });
    const res = await worker.request('/reservations', { as: demo.player, json: demoBooking() });
    assert.equal(res.status, 201);
    assert.equal(res.body.dailyRoomName, null);
  });

  test('the development sign-in does not exist unless DEV_LOGIN is "true"', async () => {
    const worker = await start({});
    const res = await worker.request('/dev/login', { json: { userId: 'usr_player_demo' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal((await worker.request('/dev/users')).status, 404);
  });
});
