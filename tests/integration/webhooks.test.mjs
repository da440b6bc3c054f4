// Daily's webhooks end to end: the stand-in sends signed events (as Daily does once the webhook
// is registered) for joins, leaves and recordings; the Worker checks them, applies each once,
// and shows the call's state, attendance and replays. When webhooks are lost, the scheduled
// handler asks Daily and ends with the same rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startStack, stopStack, registerWebhook } from '../support/stack.mjs';
import { startStandin } from '../support/standin.mjs';
import { startWorker } from '../support/worker.mjs';
import { DAILY_WEBHOOK_SECRET } from '../support/secrets.mjs';
import { booking, insertReservation, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';
import { fetchFresh } from '../support/http.mjs';
import { sessionToken } from '../support/jwt.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));

/** Daily's signature: base64(HMAC-SHA256(base64-decoded secret, `${timestamp}.${body}`)). */
function sign(body, timestamp, secret = DAILY_WEBHOOK_SECRET, { decode = true } = {}) {
  const key = decode ? Buffer.from(secret, 'base64') : Buffer.from(secret);
  return createHmac('sha256', key).update(`${timestamp}.${body}`).digest('base64');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** POSTs a body to the webhook as Daily would, with the given headers. */
async function deliver(body, headers, w = worker) {
  const res = await fetchFresh(`${w.url}/webhooks/daily`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

function signed(body, { timestamp = String(nowSeconds()), secret, decode } = {}) {
  return { 'x-webhook-timestamp': timestamp, 'x-webhook-signature': sign(body, timestamp, secret, { decode }) };
}

/** A session of a fresh coach and player, booked through the API (so its room exists). */
async function session(startInMinutes = 10) {
  const coach = await newCoach(worker, { name: 'Camille Coach' });
  const player = newPlayer({ name: 'Léo Joueur' });
  const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(startInMinutes)) });
  assert.equal(res.status, 201, res.text);
  return { coach, player, reservation: res.body, room: res.body.dailyRoomName };
}

const envelope = (type, payload, id = `evt-${type}-${Math.random()}`) =>
  JSON.stringify({ version: '1.0.0', type, id, payload, event_ts: nowSeconds() + 0.25 });

describe('signature', () => {
  const body = '{"version":"1.0.0","type":"meeting.ended","id":"evt-1","payload":{"start_ts":1699999000,"end_ts":1700000000,"meeting_id":"m-1","room":"booking-123"},"event_ts":1700000001}';

  test("the tests sign as daily-api.md's test vector says", () => {
    assert.equal(sign(body, '1700000000'), 'kxFSH7TbQ9ZcY5U4TocTy6RYYM9DO3Uxtk4A7f5VbiA=');
  });

  test('a correctly signed event is accepted (a room not ours: 200, ignored)', async () => {
    const res = await deliver(body, signed(body));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { outcome: 'ignored' });
  });

  test('every bad signature is 401, with one body that says nothing of why', async () => {
    const now = nowSeconds();
    const good = signed(body);
    const cases = {
      'no headers': {},
      'no signature': { 'x-webhook-timestamp': good['x-webhook-timestamp'] },
      'no timestamp': { 'x-webhook-signature': good['x-webhook-signature'] },
      'a malformed timestamp': { ...good, 'x-webhook-timestamp': 'yesterday' },
      'a malformed signature': { ...good, 'x-webhook-signature': '%%%not base64%%%' },
      'a wrong secret': signed(body, { secret: Buffer.from('another secret').toString('base64') }),
      'the secret not base64-decoded': signed(body, { decode: false }),
      // The exact 300 s boundary is a unit test's (src/domain/webhook.rs), with a fixed now.
      'a timestamp an hour old': signed(body, { timestamp: String(now - 3600) }),
      'a timestamp an hour ahead': signed(body, { timestamp: String(now + 3600) }),
      'the signature of another timestamp': { ...good, 'x-webhook-timestamp': String(now - 1) },
    };
    const bodies = new Set();
    for (const [what, headers] of Object.entries(cases)) {
      const res = await deliver(body, headers);
      assert.equal(res.status, 401, what);
      bodies.add(res.text);
    }
    const tampered = body.replace('"m-1"', '"m-2"');
    const res = await deliver(tampered, good);
    assert.equal(res.status, 401, 'one byte of the body changed');
    bodies.add(res.text);
    assert.equal(bodies.size, 1, `one answer for all: ${[...bodies].join(' | ')}`);
    assert.equal(JSON.parse([...bodies][0]).error.code, 'invalid_signature');
  });

  test('the ping is 200 unsigned; a body over 64 KiB is 413; our secret missing is 503', async () => {
    assert.equal((await deliver('{"test":"test"}', {})).status, 200);
    const big = envelope('meeting.started', { room: 'x', start_ts: 1, pad: 'x'.repeat(70 * 1024) });
    const tooBig = await deliver(big, signed(big));
    assert.equal(tooBig.status, 413);
    const bare = await startWorker({ standin, vars: { DAILY_WEBHOOK_SECRET: undefined } });
    try {
      const res = await deliver(body, signed(body), bare);
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'webhook_not_configured');
      assert.equal(res.body.error.variable, 'DAILY_WEBHOOK_SECRET');
      assert.equal((await deliver('{"test":"test"}', {}, bare)).status, 200, 'the ping still works');
    } finally {
      await bare.stop();
    }
  });

  test('during a rotation the previous secret is accepted too', async () => {
    const next = Buffer.from('the next webhook secret').toString('base64');
    const rotating = await startWorker({
      standin,
      vars: { DAILY_WEBHOOK_SECRET: next, DAILY_WEBHOOK_SECRET_PREVIOUS: DAILY_WEBHOOK_SECRET },
    });
    try {
      assert.equal((await deliver(body, signed(body, { secret: next }), rotating)).status, 200);
      assert.equal((await deliver(body, signed(body), rotating)).status, 200);
      const other = Buffer.from('neither').toString('base64');
      assert.equal((await deliver(body, signed(body, { secret: other }), rotating)).status, 401);
    } finally {
      await rotating.stop();
    }
  });
});

describe('events from the call', () => {
  test('a call with a reconnect: meeting state and attendance per role', async () => {
    const { coach, player, reservation: r, room } = await session(5);
    const t = unix(r.startDate) - 600;
    const c = await standin.join(room, { userId: coach.user.id, userName: 'Camille', owner: true, at: t });
    let view = (await worker.request(`/reservations/${r.id}`, { as: player })).body;
    assert.equal(view.meetingStatus, 'live');
    assert.equal(view.attendance.player, null);
    const p1 = await standin.join(room, { userId: player.id, userName: 'Léo', at: t + 60 });
    await standin.leave(room, p1.sessionId, { at: t + 600 });
    const p2 = await standin.join(room, { userId: player.id, userName: 'Léo', at: t + 660 });
    await standin.leave(room, p2.sessionId, { at: t + 3600 });
    const last = await standin.leave(room, c.sessionId, { at: t + 3700 });
    assert.ok(last.deliveries.every((d) => d.status === 200), JSON.stringify(last.deliveries));

    view = (await worker.request(`/reservations/${r.id}`, { as: player })).body;
    const iso = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    assert.equal(view.meetingStatus, 'ended');
    assert.equal(view.meetingStartedAt, iso(t));
    assert.equal(view.meetingEndedAt, iso(t + 3700));
    assert.deepEqual(view.attendance, {
      coach: { joinedAt: iso(t), leftAt: iso(t + 3700), seconds: 3700 },
      player: { joinedAt: iso(t + 60), leftAt: iso(t + 3600), seconds: 540 + 2940 },
    });
    const listed = (await worker.request('/api/coach/sessions', { as: coach.user })).body.sessions.find((s) => s.id === r.id);
    assert.deepEqual(listed.attendance, view.attendance);
    assert.equal(listed.meetingStatus, 'ended');
  });

  test('100 redeliveries of an event have one effect', async () => {
    const { player, reservation: r, room } = await session(5);
    await standin.webhookFaults({ duplicate: 100 });
    try {
      const joined = await standin.join(room, { userId: player.id, userName: 'Léo', at: unix(r.startDate) - 300 });
      assert.equal(joined.deliveries.length, 200, 'meeting.started and participant.joined, 100 times each');
      assert.ok(joined.deliveries.every((d) => d.status === 200));
    } finally {
      await standin.webhookFaults({});
    }
    const rows = await worker.rows('SELECT COUNT(*) AS n FROM attendance WHERE reservation_id = ?1', r.id);
    assert.equal(rows[0].n, 1);
    const keys = await worker.rows("SELECT COUNT(*) AS n FROM webhook_events WHERE key LIKE 'participant.joined:%'");
    assert.ok(keys[0].n >= 1);
  });

  test('a participant event redelivered under a new id has no second effect', async () => {
    const { player, reservation: r, room } = await session(5);
    const payload = { room, session_id: 'sess-redelivered', user_id: player.id, user_name: 'Léo', owner: false, joined_at: unix(r.startDate) - 100, duration: 50 };
    const first = envelope('participant.left', payload, 'evt-a');
    const again = envelope('participant.left', { ...payload, duration: 999 }, 'evt-b');
    assert.deepEqual((await deliver(first, signed(first))).body, { outcome: 'applied' });
    assert.deepEqual((await deliver(again, signed(again))).body, { outcome: 'duplicate' });
    const rows = await worker.rows('SELECT seconds FROM attendance WHERE session_id = ?1', 'sess-redelivered');
    assert.deepEqual(rows, [{ seconds: 50 }]);
  });

  test('events delivered in reverse order end in the same state', async () => {
    const { coach, player, reservation: r, room } = await session(5);
    const t = unix(r.startDate) - 300;
    await standin.webhookFaults({ hold: true });
    try {
      const c = await standin.join(room, { userId: coach.user.id, userName: 'C', owner: true, at: t });
      const p = await standin.join(room, { userId: player.id, userName: 'P', at: t + 30 });
      await standin.leave(room, p.sessionId, { at: t + 330 });
      await standin.leave(room, c.sessionId, { at: t + 400 });
      const released = await standin.releaseWebhooks('reverse');
      assert.deepEqual(released.deliveries.map((d) => d.type), [
        'meeting.ended', 'participant.left', 'participant.left', 'participant.joined', 'participant.joined', 'meeting.started',
      ]);
    } finally {
      await standin.webhookFaults({});
    }
    const view = (await worker.request(`/reservations/${r.id}`, { as: coach.user })).body;
    assert.equal(view.meetingStatus, 'ended', 'a late meeting.started does not make it live again');
    assert.equal(view.attendance.player.seconds, 300);
    assert.equal(view.attendance.coach.seconds, 400);
  });

  test('unknown rooms and unused event types are 200 and change nothing', async () => {
    for (const body of [
      envelope('participant.joined', { room: 'other-prefix-123', session_id: 's', user_id: 'u', joined_at: 1 }),
      envelope('meeting.started', { room: 'edgemy-00000000-0000-4000-8000-000000000000', start_ts: 1 }),
      envelope('streaming.started', { room: 'x' }),
      envelope('participant.joined', { broken: true }),
    ]) {
      const res = await deliver(body, signed(body));
      assert.equal(res.status, 200, body);
      assert.deepEqual(res.body, { outcome: 'ignored' });
    }
  });
});

describe('recordings', () => {
  test('a recording is listed for both participants and opens as a playable MP4; no one else sees it', async () => {
    const { coach, player, reservation: r, room } = await session(5);
    const made = await standin.recording(room, { startTs: unix(r.startDate), duration: 1800 });
    assert.ok(made.deliveries.some((d) => d.type === 'recording.ready-to-download' && d.status === 200));
    for (const who of [coach.user, player]) {
      const list = await worker.request(`/reservations/${r.id}/recordings`, { as: who });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.recordings, [{
        id: made.recording.id,
        startedAt: r.startDate,
        durationSeconds: 1800,
        status: 'finished',
        archive: 'pending',
        sizeBytes: null,
        url: `/reservations/${r.id}/recordings/${made.recording.id}`,
      }]);
    }
    const view = (await worker.request(`/reservations/${r.id}`, { as: player })).body;
    assert.equal(view.dailyRecordingUrl, `/reservations/${r.id}/recordings/${made.recording.id}`);

    const open = await fetchFresh(worker.url + view.dailyRecordingUrl, {
      headers: { authorization: `Bearer ${sessionToken(player)}` }, redirect: 'manual',
    });
    assert.equal(open.status, 302);
    const link = open.headers.get('location');
    assert.ok(link.startsWith(standin.origin), link);
    const video = await fetchFresh(link);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await video.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp', 'an MP4 file');

    const stranger = newPlayer();
    for (const route of [`/reservations/${r.id}/recordings`, view.dailyRecordingUrl]) {
      const res = await worker.request(route, { as: stranger });
      assert.equal(res.status, 404, route);
      assert.equal(res.body.error.code, 'reservation_not_found');
    }
    const unknown = await worker.request(`/reservations/${r.id}/recordings/nope`, { as: player });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'recording_not_found');
  });

  test('a recording error is recorded, with no replay', async () => {
    const { player, reservation: r, room } = await session(5);
    await standin.recordingError(room);
    const list = (await worker.request(`/reservations/${r.id}/recordings`, { as: player })).body.recordings;
    assert.equal(list.length, 1);
    assert.equal(list[0].status, 'error');
    assert.equal(list[0].archive, null, 'nothing to archive');
    assert.equal(list[0].url, null);
    assert.equal((await worker.request(`/reservations/${r.id}`, { as: player })).body.dailyRecordingUrl, null);
  });

  test('with DAILY_RECORDING=cloud the room allows recording and only the coach token may start it', async () => {
    const recording = await startWorker({ standin, vars: { DAILY_RECORDING: 'cloud' } });
    try {
      const coach = await newCoach(recording);
      const player = newPlayer();
      const r = (await recording.request('/reservations', { as: player, json: booking(coach, slot(5)) })).body;
      const room = (await standin.api('GET', `/rooms/${r.dailyRoomName}`)).body;
      assert.equal(room.config.enable_recording, 'cloud');
      const claims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
      const coachToken = (await recording.request(`/reservations/${r.id}/daily-token`, { as: coach.user })).body.token;
      const playerToken = (await recording.request(`/reservations/${r.id}/daily-token`, { as: player })).body.token;
      assert.equal(claims(coachToken).er, 'cloud');
      assert.equal(claims(playerToken).er, undefined);
      const plain = (await worker.request('/reservations', { as: newPlayer(), json: booking(await newCoach(worker), slot(5)) })).body;
      assert.equal((await standin.api('GET', `/rooms/${plain.dailyRoomName}`)).body.config.enable_recording, undefined, 'off by default');
    } finally {
      await recording.stop();
    }
  });
});

describe('when webhooks never arrive', () => {
  test('the scheduled handler asks Daily and ends with the rows webhooks would have made', async () => {
    // Two sessions that ended 20 minutes ago with the same call; webhooks reach the first only.
    const calls = [];
    const anchor = Date.now(); // one clock reading for both, so their times are equal
    for (const lost of [false, true]) {
      const coach = await newCoach(worker);
      const player = newPlayer();
      const start = isoIn(-80, anchor);
      const id = await insertReservation(worker, { coach, player, startDate: start, endDate: isoIn(-20, anchor) });
      const room = `edgemy-${id}`;
      const t = unix(start);
      if (lost) await standin.webhookFaults({ drop: ['meeting.started', 'meeting.ended', 'participant.joined', 'participant.left', 'recording.ready-to-download'] });
      try {
        const c = await standin.join(room, { userId: coach.user.id, userName: 'C', owner: true, at: t });
        const p = await standin.join(room, { userId: player.id, userName: 'P', at: t + 120 });
        await standin.leave(room, p.sessionId, { at: t + 3000 });
        await standin.leave(room, c.sessionId, { at: t + 3600 });
      } finally {
        await standin.webhookFaults({});
      }
      calls.push({ id, coach, player });
    }
    const [heard, lost] = calls;
    const before = (await worker.request(`/reservations/${lost.id}`, { as: lost.player })).body;
    assert.equal(before.meetingStatus, 'not_started', 'nothing arrived');
    await worker.scheduled();
    const shape = async ({ id, player }) => {
      const view = (await worker.request(`/reservations/${id}`, { as: player })).body;
      return { meetingStatus: view.meetingStatus, attendance: view.attendance };
    };
    assert.deepEqual(await shape(lost), await shape(heard));
    assert.equal((await shape(lost)).meetingStatus, 'ended');
    // Asked again later, nothing is doubled.
    await worker.db.prepare('UPDATE reservations SET meeting_polled_at = meeting_polled_at - 7200 WHERE id = ?1').bind(lost.id).run();
    await worker.db.prepare('UPDATE reservations SET meeting_ended_at = NULL WHERE id = ?1').bind(lost.id).run();
    await worker.scheduled();
    const rows = await worker.rows('SELECT COUNT(*) AS n FROM attendance WHERE reservation_id = ?1', lost.id);
    assert.equal(rows[0].n, 2);
    assert.deepEqual(await shape(lost), await shape(heard));
  });
});
