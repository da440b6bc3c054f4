// Booking a session creates its private Daily room, with exactly one request to Daily.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { booking, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));

describe('POST /reservations', () => {
  test('the demo player books a demo offer: 201, stored row, private room', async () => {
    await standin.clearCalls();
    const s = slot(24 * 60 + 5, 60);
    const res = await worker.request('/reservations', {
      as: demo.player,
      json: { announcementId: 'ann_demo_60', coachId: 'coach_demo', ...s },
    });
    assert.equal(res.status, 201, res.text);
    const r = res.body;
    assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(res.headers.get('location'), `/reservations/${r.id}`);
    assert.deepEqual(
      { ...r, id: undefined, createdAt: undefined },
      {
        id: undefined,
        createdAt: undefined,
        announcementId: 'ann_demo_60',
        coachId: 'coach_demo',
        playerId: 'usr_player_demo',
        startDate: s.startDate,
        endDate: s.endDate,
        status: 'confirmed',
        videoStatus: 'ready',
        rescheduledAt: null,
        dailyRoomName: `edgemy-${r.id}`,
        dailyRoomUrl: `${standin.origin}/edgemy-${r.id}`,
        meetingStatus: 'not_started',
        meetingStartedAt: null,
        meetingEndedAt: null,
        attendance: { coach: null, player: null },
        dailyRecordingUrl: null,
      },
    );
    assert.ok(Math.abs(Date.parse(r.createdAt) - Date.now()) < 60_000);

    const [row] = await worker.rows('SELECT * FROM reservations WHERE id = ?1', r.id);
    assert.equal(row.player_id, 'usr_player_demo');
    assert.equal(row.start_at, unix(s.startDate));
    assert.equal(row.end_at, unix(s.endDate));
    assert.equal(row.daily_room_name, `edgemy-${r.id}`);
    assert.equal(row.daily_room_url, `${standin.origin}/edgemy-${r.id}`);

    const calls = await standin.calls();
    assert.equal(calls.length, 1, 'exactly one Daily request per booking');
    const [call] = calls;
    assert.equal(call.method, 'POST');
    assert.equal(call.path, '/rooms');
    assert.equal(call.auth, 'ok');
    assert.equal(call.content_type, 'application/json');
    assert.equal(call.status, 200);
    assert.deepEqual(call.body, {
      name: `edgemy-${r.id}`,
      privacy: 'private',
      properties: {
        exp: unix(s.endDate) + 30 * 60,
        max_participants: 2,
        enable_screenshare: true,
        enable_chat: true,
        enable_prejoin_ui: true,
        eject_at_room_exp: true,
        lang: 'fr',
      },
    });
    const room = await standin.api('GET', `/rooms/edgemy-${r.id}`);
    assert.equal(room.status, 200);
    assert.equal(room.body.privacy, 'private');
  });

  test("the room speaks the player's language", async () => {
    const coach = await newCoach(worker);
    const player = newPlayer({ locale: 'en', name: 'Grace Hopper' });
    await standin.clearCalls();
    const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(120)) });
    assert.equal(res.status, 201, res.text);
    const [call] = await standin.calls();
    assert.equal(call.body.properties.lang, 'en');
  });

  test("a player unknown to D1 is recorded from their session token", async () => {
    const coach = await newCoach(worker);
    const player = newPlayer({ name: 'Nouveau Joueur' });
    const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(180)) });
    assert.equal(res.status, 201, res.text);
    const [user] = await worker.rows('SELECT name, email, locale FROM users WHERE id = ?1', player.id);
    assert.deepEqual({ ...user }, { name: 'Nouveau Joueur', email: player.email, locale: 'fr' });
  });

  test('the booking can be read back by its participants at its Location', async () => {
    const coach = await newCoach(worker);
    const player = newPlayer();
    const created = await worker.request('/reservations', { as: player, json: booking(coach, slot(240)) });
    const location = created.headers.get('location');
    const asPlayer = await worker.request(location, { as: player });
    assert.equal(asPlayer.status, 200);
    assert.deepEqual(asPlayer.body, created.body);
    const asCoach = await worker.request(location, { as: coach.user });
    assert.equal(asCoach.status, 200);
    assert.equal(asCoach.body.id, created.body.id);
  });
});
