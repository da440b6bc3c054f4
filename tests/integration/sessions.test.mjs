// Session lists for players and coaches, /api/me, and the development sign-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { booking, insertReservation, insertReservations, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

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
      meetingStatus: 'not_started',
      packId: null,
      packSession: null,
      meetingStartedAt: null,
      meetingEndedAt: null,
      attendance: { coach: null, player: null },
      dailyRecordingUrl: null,
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
    assert.deepEqual((await worker.request('/api/coach/sessions', { as: idle.user })).body, { sessions: [], nextCursor: null });
  });

  test('lists need a session', async () => {
    assert.equal((await worker.request('/api/player/sessions')).status, 401);
    assert.equal((await worker.request('/api/coach/sessions')).status, 401);
  });
});

describe('pages of a session list', () => {
  /** Every page of a list, following nextCursor; the pages' sizes and all the ids in order. */
  async function allPages(route, as, query = '') {
    const sizes = [];
    const ids = [];
    let url = `${route}${query ? `?${query}` : ''}`;
    for (;;) {
      const res = await worker.request(url, { as });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      sizes.push(res.body.sessions.length);
      ids.push(...res.body.sessions.map((s) => s.id));
      if (res.body.nextCursor === null) return { sizes, ids };
      assert.match(res.body.nextCursor, /^[A-Za-z0-9_-]+$/, 'an opaque, URL-safe cursor');
      url = `${route}?${query ? `${query}&` : ''}cursor=${res.body.nextCursor}`;
    }
  }

  test('pages of 50 by default continue from upcoming to past with nothing repeated or lost', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    // 80 upcoming sessions (one a day, two hours in, shuffled) and 50 past ones.
    const starts = [...Array(80).keys()].map((d) => 120 + d * 1440).concat([...Array(50).keys()].map((d) => -1440 * (d + 1)));
    const shuffled = starts.map((m, i) => [m, (i * 37) % starts.length]).sort((a, b) => a[1] - b[1]).map(([m]) => m);
    const ids = await insertReservations(worker, shuffled.map((m) => ({ coach, player, startDate: isoIn(m), endDate: isoIn(m + 60) })));
    const byStart = new Map(shuffled.map((m, i) => [m, ids[i]]));
    const upcoming = starts.slice(0, 80).sort((a, b) => a - b);
    const past = starts.slice(80).sort((a, b) => b - a);
    const expected = [...upcoming, ...past].map((m) => byStart.get(m));

    for (const [route, as] of [['/api/player/sessions', player], ['/api/coach/sessions', coach.user]]) {
      const { sizes, ids: seen } = await allPages(route, as);
      assert.deepEqual(sizes, [50, 50, 30], route);
      assert.deepEqual(seen, expected, route);
    }
    const small = await allPages('/api/player/sessions', player, 'limit=7');
    assert.deepEqual(small.sizes, [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4]);
    assert.deepEqual(small.ids, expected);
    const big = await worker.request('/api/player/sessions?limit=100', { as: player });
    assert.equal(big.body.sessions.length, 100);
  });

  test('cancelled sessions are left out unless include=cancelled asks for them', async () => {
    const coach = await newCoach(worker);
    const real = newPlayer();
    const realId = (await worker.request('/reservations', { as: real, json: booking(coach, slot(6000)) })).body.id;
    // Another player books and cancels 60 slots before the real session.
    const spammer = newPlayer();
    const cancelled = await insertReservations(worker, [...Array(60).keys()].map((i) => ({
      coach, player: spammer, startDate: isoIn(60 + i * 60), endDate: isoIn(120 + i * 60), status: 'cancelled',
    })));
    const first = await worker.request('/api/coach/sessions', { as: coach.user });
    assert.deepEqual(first.body.sessions.map((s) => s.id), [realId]);
    assert.equal(first.body.nextCursor, null);
    const all = await allPages('/api/coach/sessions', coach.user, 'include=cancelled');
    assert.deepEqual(all.sizes, [50, 11]);
    assert.deepEqual(all.ids, [...cancelled, realId]);
    const spammerList = await worker.request('/api/player/sessions?include=cancelled&limit=1', { as: spammer });
    assert.equal(spammerList.body.sessions[0].status, 'cancelled');
  });

  test('a bad limit, cursor or include is 400 invalid_parameter naming it', async () => {
    const player = newPlayer();
    for (const [query, field] of [
      ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=ten', 'limit'], ['limit=-5', 'limit'],
      ['limit=5&limit=6', 'limit'], ['cursor=not-a-cursor', 'cursor'], ['cursor=', 'cursor'],
      [`cursor=${Buffer.from('{"t":1,"p":{"phase":9,"key":0,"id":"x"}}').toString('base64url')}`, 'cursor'],
      ['include=deleted', 'include'], ['include=', 'include'],
    ]) {
      for (const route of ['/api/player/sessions', '/api/coach/sessions']) {
        const res = await worker.request(`${route}?${query}`, { as: player });
        assert.equal(res.status, 400, `${route}?${query}`);
        assert.equal(res.body.error.code, 'invalid_parameter');
        assert.equal(res.body.error.field, field, query);
      }
    }
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
    const notJson = await worker.request('/dev/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'nope' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'invalid_json');
    assert.equal((await worker.request('/dev/login', { method: 'POST', body: 'nope' })).status, 415);
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
        { id: 'ann_demo_60', title: 'Revue de mains MTT', durationMinutes: 60, priceCents: 6000, currency: 'EUR', packSize: null, packValidityDays: null },
        { id: 'ann_demo_pack5', title: 'Pack 5 revues de mains', durationMinutes: 60, priceCents: 25000, currency: 'EUR', packSize: 5, packValidityDays: 90 },
        { id: 'ann_demo_90', title: 'Coaching cash game NL50', durationMinutes: 90, priceCents: 9000, currency: 'EUR', packSize: null, packValidityDays: null },
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
