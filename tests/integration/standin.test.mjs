// The Daily stand-in answers as daily-api.md documents Daily: auth errors, validation errors,
// duplicate names, not-found, and the rate limits (20 req/s; 2 deletions a second). Its test
// controls replay a seed and hold requests until released. Its webhooks are pinged, signed and
// circuit-broken as Daily's are; meetings and recordings come with their events and API.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
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

// A webhook receiver on 127.0.0.1: keeps every request (headers and raw body) and answers with
// the status `answer()` says at that moment.
async function startReceiver() {
  const { createServer } = await import('node:http');
  const received = [];
  const receiver = { received, answer: () => 200 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiver.answer()).end('ok');
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  receiver.url = `http://127.0.0.1:${server.address().port}/webhooks/daily`;
  receiver.events = () => received.filter((r) => !r.raw.includes('"test"')).map((r) => JSON.parse(r.raw));
  receiver.close = () => new Promise((done) => server.close(done));
  return receiver;
}

const SECRET = Buffer.from('a webhook secret of 32 bytes....').toString('base64');
const sign = (secret, ts, raw) => createHmac('sha256', Buffer.from(secret, 'base64')).update(`${ts}.${raw}`).digest('base64');
const kinds = (deliveries) => deliveries.map((d) => `${d.type} ${d.status}`);

describe('Daily stand-in webhooks, meetings and recordings', () => {
  let receiver;
  beforeEach(async () => {
    await standin.reset();
    await standin.settings({ rateLimit: false });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });
  const createHook = (body = {}) =>
    standin.api('POST', '/webhooks', { url: receiver.url, eventTypes: ['meeting.started', 'meeting.ended', 'participant.joined', 'participant.left', 'recording.started', 'recording.ready-to-download', 'recording.error'], ...body });

  test('a create pings the url first, fails unless it answers 200, and allows one webhook', async () => {
    receiver.answer = () => 500;
    const refused = await createHook();
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid-request-error');
    assert.deepEqual((await standin.api('GET', '/webhooks')).body, []);
    receiver.answer = () => 200;
    const created = await createHook();
    assert.equal(created.status, 200);
    assert.equal(created.body.state, 'ACTIVE');
    assert.equal(created.body.failedCount, 0);
    assert.equal(created.body.retryType, 'circuit-breaker');
    assert.equal(Buffer.from(created.body.hmac, 'base64').length, 32, 'a generated secret');
    assert.deepEqual(received(receiver), ['{"test":"test"}', '{"test":"test"}']);
    assert.equal((await createHook()).status, 400, 'one webhook per domain');
    assert.deepEqual((await standin.api('GET', `/webhooks/${created.body.uuid}`)).body, created.body);
    assert.equal((await standin.api('DELETE', `/webhooks/${created.body.uuid}`)).status, 200);
    assert.equal((await standin.api('GET', `/webhooks/${created.body.uuid}`)).status, 404);
  });

  test('joins and leaves are delivered signed, in order, and recorded as meetings', async () => {
    const hook = (await createHook({ hmac: SECRET, basicAuth: 'dXNlcjpwdw==' })).body;
    assert.equal(hook.hmac, SECRET);
    receiver.received.length = 0;
    const ada = await standin.join('room-1', { userId: 'user-ada', userName: 'Ada', owner: true, at: 1_700_000_000 });
    assert.deepEqual(kinds(ada.deliveries), ['meeting.started 200', 'participant.joined 200']);
    const bob = await standin.join('room-1', { userName: 'Bob', at: 1_700_000_010 });
    await standin.leave('room-1', ada.sessionId, { at: 1_700_000_100 });
    const last = await standin.leave('room-1', bob.sessionId, { at: 1_700_000_130 });
    assert.deepEqual(kinds(last.deliveries), ['participant.left 200', 'meeting.ended 200']);

    for (const { headers, raw } of receiver.received) {
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers.authorization, 'Basic dXNlcjpwdw==');
      assert.match(headers['x-webhook-timestamp'], /^\d+$/);
      assert.equal(headers['x-webhook-signature'], sign(SECRET, headers['x-webhook-timestamp'], raw));
      assert.notEqual(headers['x-webhook-signature'], sign(SECRET, Number(headers['x-webhook-timestamp']) + 1, raw));
      assert.equal(JSON.stringify(JSON.parse(raw)), raw, 'compact JSON');
    }
    const events = receiver.events();
    assert.deepEqual(events.map((e) => e.type), ['meeting.started', 'participant.joined', 'participant.joined', 'participant.left', 'participant.left', 'meeting.ended']);
    assert.deepEqual(Object.keys(events[0]), ['version', 'type', 'id', 'payload', 'event_ts']);
    assert.equal(events[0].version, '1.0.0');
    assert.equal(new Set(events.map((e) => e.id)).size, 6);
    assert.equal(events[0].payload.start_ts, 1_700_000_000);
    assert.equal(events[0].payload.room, 'room-1');
    const joined = events[1].payload;
    assert.deepEqual([joined.joined_at, joined.session_id, joined.user_id, joined.user_name, joined.owner, joined.networkQualityState], [1_700_000_000, ada.sessionId, 'user-ada', 'Ada', true, 'unknown']);
    assert.equal(events[2].payload.user_id, null);
    assert.equal(events[3].payload.duration, 100);
    assert.deepEqual(events[5].payload, { start_ts: 1_700_000_000, end_ts: 1_700_000_130, meeting_id: events[0].payload.meeting_id, room: 'room-1' });

    const meetings = (await standin.api('GET', '/meetings?room=room-1')).body;
    assert.equal(meetings.total_count, 1);
    const [meeting] = meetings.data;
    assert.deepEqual([meeting.id, meeting.start_time, meeting.duration, meeting.ongoing, meeting.max_participants], [events[0].payload.meeting_id, 1_700_000_000, 130, false, 2]);
    assert.deepEqual(meeting.participants.map((p) => [p.user_id, p.user_name, p.participant_id, p.join_time, p.duration]), [
      ['user-ada', 'Ada', ada.sessionId, 1_700_000_000, 100],
      [null, 'Bob', bob.sessionId, 1_700_000_010, 120],
    ]);
  });

  test('three failed deliveries in a row fail the webhook until it is updated', async () => {
    const hook = (await createHook({ eventTypes: ['participant.joined', 'participant.left'] })).body;
    receiver.answer = () => 500;
    const joins = [];
    for (const name of ['a', 'b', 'c', 'd']) joins.push(await standin.join('room-cb', { userName: name }));
    assert.deepEqual(joins.map((j) => kinds(j.deliveries)), [['participant.joined 500'], ['participant.joined 500'], ['participant.joined 500'], []]);
    const failed = (await standin.api('GET', `/webhooks/${hook.uuid}`)).body;
    assert.deepEqual([failed.state, failed.failedCount], ['FAILED', 3]);
    assert.equal(receiver.events().length, 3, 'nothing is sent once FAILED');

    receiver.answer = () => 200;
    const again = (await standin.api('POST', `/webhooks/${hook.uuid}`, {})).body;
    assert.deepEqual([again.state, again.failedCount], ['ACTIVE', 0]);
    const left = await standin.leave('room-cb', joins[0].sessionId);
    assert.deepEqual(kinds(left.deliveries), ['participant.left 200'], 'meeting.ended is not asked for');
  });

  test('event faults: duplicates keep their id, held events come out in any order, dropped never', async () => {
    await createHook();
    await standin.webhookFaults({ duplicate: 2 });
    const dup = await standin.join('room-f', { userName: 'Ada' });
    assert.deepEqual(kinds(dup.deliveries), ['meeting.started 200', 'meeting.started 200', 'participant.joined 200', 'participant.joined 200']);
    assert.equal(dup.deliveries[0].id, dup.deliveries[1].id);

    await standin.webhookFaults({ hold: true, drop: ['meeting.ended'] });
    const held = await standin.leave('room-f', dup.sessionId);
    assert.deepEqual(held.deliveries, []);
    const before = receiver.events().length;
    await standin.join('room-f', { userName: 'Bob' });
    assert.equal(receiver.events().length, before, 'held, not sent');
    await standin.webhookFaults({});
    const released = await standin.releaseWebhooks('reverse');
    assert.deepEqual(kinds(released.deliveries), ['participant.joined 200', 'meeting.started 200', 'participant.left 200']);
    assert.deepEqual(receiver.events().slice(before).map((e) => e.type), ['participant.joined', 'meeting.started', 'participant.left']);
    assert.deepEqual((await standin.releaseWebhooks()).deliveries, []);
  });

  test('recordings: events, the API, and an expiring download link serving an MP4 with ranges', async () => {
    await createHook();
    const made = await standin.recording('room-r', { startTs: 1_700_000_000, duration: 90 });
    assert.deepEqual(kinds(made.deliveries), ['recording.started 200', 'recording.ready-to-download 200']);
    const [started, ready] = receiver.events();
    assert.equal(started.payload.recording_id, made.recording.id);
    assert.equal(started.payload.room_name, undefined);
    assert.deepEqual(ready.payload, {
      type: 'cloud', recording_id: made.recording.id, room_name: 'room-r', start_ts: 1_700_000_000, status: 'finished',
      max_participants: made.recording.max_participants, duration: 90, s3_key: made.recording.s3key, tracks: null,
    });
    const error = await standin.recordingError('room-r');
    assert.deepEqual(kinds(error.deliveries), ['recording.error 200']);
    assert.equal(receiver.events()[2].payload.room_name, 'room-r');

    const newer = (await standin.recording('room-r')).recording;
    await standin.recording('room-other');
    const list = (await standin.api('GET', '/recordings?room_name=room-r')).body;
    assert.deepEqual([list.total_count, list.data.map((r) => r.id)], [2, [newer.id, made.recording.id]]);
    assert.deepEqual((await standin.api('GET', `/recordings/${newer.id}`)).body, newer);
    assert.equal(newer.duration, 120);

    const link = (await standin.api('GET', `/recordings/${made.recording.id}/access-link?valid_for_secs=600`)).body;
    assert.ok(link.download_link.startsWith(`${standin.origin}/`));
    assert.ok(Math.abs(link.expires - (Date.now() / 1000 + 600)) < 60);
    const whole = await fetch(link.download_link);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.match(whole.headers.get('content-disposition'), /^attachment/);
    const video = Buffer.from(await whole.arrayBuffer());
    assert.equal(Number(whole.headers.get('content-length')), video.length);
    assert.equal(video.subarray(4, 8).toString(), 'ftyp');
    const part = await fetch(link.download_link, { headers: { range: 'bytes=4-7' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 4-7/${video.length}`);
    assert.equal(Buffer.from(await part.arrayBuffer()).toString(), 'ftyp');

    const forged = link.download_link.replace(/sig=[^&]+/, 'sig=AAAA');
    assert.equal((await fetch(forged)).status, 403);
    await standin.settings({ clockOffsetSeconds: 601 });
    const expired = await fetch(link.download_link);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code>/);
    await standin.settings({ clockOffsetSeconds: 0 });
    assert.deepEqual((await standin.api('DELETE', `/recordings/${made.recording.id}`)).body, { deleted: true, id: made.recording.id });
    assert.equal((await standin.api('DELETE', `/recordings/${made.recording.id}`)).status, 404);
    assert.equal((await fetch(link.download_link)).status, 404, 'a deleted recording is gone');
  });

  test('a webhook set at startup receives every event type without a ping', async () => {
    const other = await startStandin({ webhook: { url: receiver.url, secret: SECRET } });
    try {
      const [hook] = (await other.api('GET', '/webhooks')).body;
      assert.deepEqual([hook.url, hook.hmac, hook.state], [receiver.url, SECRET, 'ACTIVE']);
      assert.equal(receiver.received.length, 0, 'no ping');
      const { deliveries } = await other.recordingError('room-s');
      assert.deepEqual(kinds(deliveries), ['recording.error 200']);
      const { headers, raw } = receiver.received[0];
      assert.equal(headers['x-webhook-signature'], sign(SECRET, headers['x-webhook-timestamp'], raw));
    } finally {
      await other.stop();
    }
  });
});

const received = (receiver) => receiver.received.map((r) => r.raw);
