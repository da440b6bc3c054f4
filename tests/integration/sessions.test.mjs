// Session lists for players and coaches, /api/me, and the development sign-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { booking, insertReservation, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack({ vars: { DEV_LOGIN: 'true' } }));
});
after(() => stopStack({ standin, worker }));

describe('session lists', () => {
  test('a player sees upcoming sessions first (soonest first), then past ones (latest first)', async () => {
    const coach = await newCoach(worker, { name: 'Camille Coach' });
    const player = newPlayer({ name: 'Paul Joueur' });
    const later = (await worker.request('/reservations', { as: player, json: booking(coach, slot(300)) })).body;
    const sooner = (await worker.request('/reservations', { as: player, json: booking(coach, slot(100)) })).body;
    const oldest = await insertReservation(worker, { coach, player, startDate: isoIn(-3000), endDate: isoIn(-2940) });
    const recent = await insertReservation(worker, { coach, player, startDate: isoIn(-300), endDate: isoIn(-240) });

    const res = await worker.request('/api/player/sessions', { as: player });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(res.body.sessions.map((s) => s.id), [sooner.id, later.id, recent, oldest]);
    const first = res.body.sessions[0];
    assert.deepEqual(first, {
      id: sooner.id,
      role: 'player',
      status: 'confirmed',
      announcementId: coach.announcementId,
      announcementTitle: 'Session test',
      coachId: coach.coachId,
      playerId: player.id,
      startDate: sooner.startDate,
      endDate: sooner.endDate,
      durationMinutes: 60,
      counterpart: { id: coach.user.id, name: 'Camille Coach' },
      dailyRoomUrl: sooner.dailyRoomUrl,
      discordChannelUrl: null,
      videoStatus: 'ready',
      rescheduledAt: null,
      opensAt: new Date((unix(sooner.startDate) - 15 * 60) * 1000).toISOString().replace('.000Z', 'Z'),
      closesAt: new Date((unix(sooner.endDate) + 30 * 60) * 1000).toISOString().replace('.000Z', 'Z'),
    });
  });

  test('a Discord link is passed on only when it points at Discord', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const good = await insertReservation(worker, { coach, player, startDate: isoIn(500), endDate: isoIn(560) });
    const bad = await insertReservation(worker, { coach, player, startDate: isoIn(600), endDate: isoIn(660) });
    await worker.db.batch([
      worker.db.prepare('UPDATE reservations SET discord_channel_url = ?1 WHERE id = ?2').bind('https://discord.gg/edgemy', good),
      worker.db.prepare('UPDATE reservations SET discord_channel_url = ?1 WHERE id = ?2').bind('javascript:alert(1)', bad),
    ]);
    const { sessions } = (await worker.request('/api/player/sessions', { as: player })).body;
    assert.deepEqual(sessions.map((s) => s.discordChannelUrl), ['https://discord.gg/edgemy', null]);
  });

  test('a coach sees their players, with the coach window', async () => {
    const coach = await newCoach(worker);
    const p1 = newPlayer({ name: 'Alice' });
    const p2 = newPlayer({ name: 'Bob' });
    const a = (await worker.request('/reservations', { as: p1, json: booking(coach, slot(200)) })).body;
    const b = (await worker.request('/reservations', { as: p2, json: booking(coach, slot(100)) })).body;
    const res = await worker.request('/api/coach/sessions', { as: coach.user });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.sessions.map((s) => [s.id, s.counterpart.name, s.role]), [[b.id, 'Bob', 'coach'], [a.id, 'Alice', 'coach']]);
    assert.equal(unix(res.body.sessions[0].opensAt), unix(b.startDate) - 30 * 60);
    const players = await worker.request('/api/player/sessions', { as: coach.user });
    assert.deepEqual(players.body.sessions, [], "a coach's own coaching is not in their player list");
  });

  test('a player asking for the coach list: 403 not_a_coach; an idle coach: empty list', async () => {
    const res = await worker.request('/api/coach/sessions', { as: newPlayer() });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'not_a_coach');
    const idle = await newCoach(worker);
    assert.deepEqual((await worker.request('/api/coach/sessions', { as: idle.user })).body, { sessions: [] });
  });

  test('lists need a session', async () => {
    assert.equal((await worker.request('/api/player/sessions')).status, 401);
    assert.equal((await worker.request('/api/coach/sessions')).status, 401);
  });
});

describe('/api/me and the development sign-in', () => {
  test('/api/me tells who is signed in and whether they coach', async () => {
    const me = await worker.request('/api/me', { as: demo.coach });
    assert.deepEqual(me.body, { id: 'usr_coach_demo', name: 'Camille Martin', email: 'camille.martin@example.test', locale: 'fr', coachId: 'coach_demo' });
    const player = await worker.request('/api/me', { as: demo.other });
    assert.equal(player.body.coachId, null);
    assert.equal(player.body.locale, 'en');
  });

  test('lists the demo users, coaches first', async () => {
    const res = await worker.request('/dev/users');
    assert.equal(res.status, 200);
    const seeded = res.body.users.filter((u) => ['usr_coach_demo', 'usr_player_demo', 'usr_player_other'].includes(u.id));
    assert.deepEqual(seeded.map((u) => [u.id, u.name, u.locale, u.coachId]), [
      ['usr_coach_demo', 'Camille Martin', 'fr', 'coach_demo'],
      ['usr_player_other', 'Ada Lovelace', 'en', null],
      ['usr_player_demo', 'Léo Dubois', 'fr', null],
    ]);
  });

  test('signs in as a demo user with an HttpOnly cookie that the API accepts', async () => {
    const res = await worker.request('/dev/login', { json: { userId: 'usr_player_demo' } });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie');
    assert.match(cookie, /^edgemy_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const value = cookie.split(';')[0];
    const me = await worker.request('/api/me', { headers: { cookie: value } });
    assert.equal(me.body.name, 'Léo Dubois');
    assert.equal(res.body.sessionToken, value.split('=')[1]);
    const bearer = await worker.request('/api/me', { token: res.body.sessionToken });
    assert.equal(bearer.body.id, 'usr_player_demo');
  });

  test('unknown users and bad bodies are 4xx', async () => {
    assert.equal((await worker.request('/dev/login', { json: { userId: 'usr_nobody' } })).status, 404);
    assert.equal((await worker.request('/dev/login', { json: {} })).status, 400);
    assert.equal((await worker.request('/dev/login', { method: 'POST', body: 'nope' })).status, 400);
  });

  test('signing out clears the cookie', async () => {
    const res = await worker.request('/dev/logout', { method: 'POST' });
    assert.match(res.headers.get('set-cookie'), /^edgemy_session=; .*Max-Age=0$/);
  });
});

describe('the sessions page support', () => {
  test("a coach's active offers, shortest first; unknown coaches are 404", async () => {
    const res = await worker.request('/api/coaches/coach_demo/announcements');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      coachId: 'coach_demo',
      coachName: 'Camille Martin',
      announcements: [
        { id: 'ann_demo_60', title: 'Revue de mains MTT', durationMinutes: 60, priceCents: 6000, currency: 'EUR' },
        { id: 'ann_demo_90', title: 'Coaching cash game NL50', durationMinutes: 90, priceCents: 9000, currency: 'EUR' },
      ],
    });
    const coach = await newCoach(worker);
    const own = await worker.request(`/api/coaches/${coach.coachId}/announcements`);
    assert.deepEqual(own.body.announcements.map((a) => a.id), [coach.announcementId], 'inactive offers left out');
    const missing = await worker.request('/api/coaches/coach_nobody/announcements');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'coach_not_found');
  });

  test('/api/config tells the page about sign-in', async () => {
    const res = await worker.request('/api/config');
    assert.deepEqual(res.body, { devLogin: true, loginUrl: 'https://edgemy.fr/connexion' });
  });
});
