// Replays archived to R2: the scheduled handler copies each finished recording from Daily's
// download link into the Worker's bucket (Miniflare's local R2), and the recording's URL then
// streams it from there with byte ranges and ETags. The stand-in generates large recordings while
// sending them, and can cut a download off or refuse a link as expired.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, stopStack } from '../support/stack.mjs';
import { booking, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';
import { fetchFresh } from '../support/http.mjs';
import { sessionToken } from '../support/jwt.mjs';
import { memoryOf, resetPeakMemory } from '../support/proc.mjs';

const MB = 1024 * 1024;
const HOUR = 3600 * 1000;

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
  // The runs below, some of them far in the future, also ask Daily about every ended session;
  // Daily's limit on its recordings endpoints is tested on its own (the last test of `archive`).
  await standin.settings({ rateLimit: false });
});
after(() => stopStack({ standin, worker }));

/** A booked session (its room exists at the stand-in) and a finished recording of `sizeBytes`. */
async function recordedSession(sizeBytes, w = worker, s = standin) {
  const coach = await newCoach(w, { name: 'Camille Coach' });
  const player = newPlayer({ name: 'Léo Joueur' });
  const res = await w.request('/reservations', { as: player, json: booking(coach, slot(5)) });
  assert.equal(res.status, 201, res.text);
  const r = res.body;
  const made = await s.recording(r.dailyRoomName, { startTs: unix(r.startDate), duration: 3600, sizeBytes });
  assert.ok(made.deliveries.some((d) => d.type === 'recording.ready-to-download' && d.status === 200));
  return {
    coach,
    player,
    reservation: r,
    recording: made.recording,
    key: `recordings/${r.id}/${made.recording.id}.mp4`,
    url: `/reservations/${r.id}/recordings/${made.recording.id}`,
  };
}

/** The session's one recording as the API lists it. */
async function listed({ reservation, player }, w = worker) {
  const res = await w.request(`/reservations/${reservation.id}/recordings`, { as: player });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.recordings.length, 1);
  return res.body.recordings[0];
}

/** GETs a replay as `user` and reads its body through SHA-256, without keeping it. */
async function download(url, user, headers = {}) {
  const res = await fetchFresh(worker.url + url, {
    headers: { authorization: `Bearer ${sessionToken(user)}`, ...headers },
    redirect: 'manual',
  });
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body ?? []) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { res, size, sha256: hash.digest('hex') };
}

/** GETs a replay as `user` and answers the body as bytes. */
async function fetchBytes(url, user, headers = {}) {
  const res = await fetchFresh(worker.url + url, {
    headers: { authorization: `Bearer ${sessionToken(user)}`, ...headers },
    redirect: 'manual',
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The bucket's objects under a session's prefix. */
async function objectsOf(reservation) {
  const listing = await (await worker.recordings()).list({ prefix: `recordings/${reservation.id}/` });
  return listing.objects.map((o) => ({ key: o.key, size: o.size }));
}

describe('archive', () => {
  let big;

  test('a 200 MB recording is copied intact by streaming, and then served from R2', async () => {
    const size = 200 * MB + 12345;
    big = await recordedSession(size);
    assert.equal(big.recording.sizeBytes, size);
    assert.deepEqual(
      { archive: (await listed(big)).archive, sizeBytes: (await listed(big)).sizeBytes },
      { archive: 'pending', sizeBytes: null },
    );
    // Until it is archived, the replay's URL sends the browser to Daily.
    const early = await worker.request(big.url, { as: big.player });
    assert.equal(early.status, 302);
    assert.ok(early.headers.get('location').startsWith(standin.origin));

    // Streaming, not buffering: a copy that held the file would grow the runtime by at least its
    // 200 MB. The bytes go from the download to the bucket through a FixedLengthStream without
    // entering wasm; what the runtime still grows by (about 60 MiB here) is stream chunks that V8
    // and the local R2 emulation have not reclaimed yet, not the file.
    assert.ok(worker.pid, 'the workerd process is known');
    const fresh = await resetPeakMemory(worker.pid);
    const baseline = await memoryOf(worker.pid, fresh ? 'VmRSS' : 'VmHWM');
    const started = process.hrtime.bigint();
    await worker.scheduled();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = await memoryOf(worker.pid, 'VmHWM');
    console.log(`archived ${size} bytes in ${seconds.toFixed(2)} s (${(size / MB / seconds).toFixed(0)} MiB/s); ` +
      `workerd peak ${(peak / MB).toFixed(0)} MiB against ${(baseline / MB).toFixed(0)} MiB before`);
    assert.ok(peak - baseline < size / 2, `workerd grew by ${((peak - baseline) / MB).toFixed(0)} MiB`);

    // One download, whole, from a link minted for the copy.
    const downloads = (await standin.downloads()).filter((d) => d.recordingId === big.recording.id);
    assert.deepEqual(downloads, [{ recordingId: big.recording.id, range: null, bytesSent: size, completed: true }]);

    const row = await listed(big);
    assert.equal(row.archive, 'archived');
    assert.equal(row.sizeBytes, size);
    assert.equal(row.url, big.url);
    const head = await (await worker.recordings()).head(big.key);
    assert.equal(head.size, size);
    assert.equal(head.httpMetadata.contentType, 'video/mp4');
    assert.deepEqual(head.customMetadata, {
      contentType: 'video/mp4', size: String(size), reservationId: big.reservation.id, recordingId: big.recording.id,
    });

    // The replay now streams from R2: the same bytes as the stand-in's, and no more downloads.
    const whole = await download(big.url, big.player);
    assert.equal(whole.res.status, 200);
    assert.equal(whole.res.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.res.headers.get('content-length'), String(size));
    assert.equal(whole.res.headers.get('accept-ranges'), 'bytes');
    assert.match(whole.res.headers.get('cache-control'), /^private\b/);
    assert.equal(whole.size, size);
    assert.equal(whole.sha256, big.recording.sha256);
    assert.equal((await standin.downloads()).filter((d) => d.recordingId === big.recording.id).length, 1);
  });

  test('byte ranges and revalidation, as a video player seeks', async () => {
    assert.ok(big, 'the archived recording of the test above');
    const size = big.recording.sizeBytes;
    const bytesAt = async (from, to) => {
      const part = await fetchBytes(big.url, big.player, { range: `bytes=${from}-${to}` });
      assert.equal(part.res.status, 206);
      return part.bytes;
    };
    const first = await fetchBytes(big.url, big.player, { range: 'bytes=0-99' });
    assert.equal(first.res.status, 206);
    assert.equal(first.res.headers.get('content-range'), `bytes 0-99/${size}`);
    assert.equal(first.res.headers.get('content-length'), '100');
    assert.equal(first.res.headers.get('content-type'), 'video/mp4');
    assert.equal(first.bytes.length, 100);

    // A middle range is the same bytes as the matching part of a larger one around it.
    const middle = await fetchBytes(big.url, big.player, { range: 'bytes=100000000-100000999' });
    assert.equal(middle.res.status, 206);
    assert.equal(middle.res.headers.get('content-range'), `bytes 100000000-100000999/${size}`);
    const around = await bytesAt(99999000, 100001999);
    assert.deepEqual(middle.bytes, around.subarray(1000, 2000));
    assert.deepEqual(first.bytes.subarray(10, 20), (await bytesAt(10, 19)));

    // Open-ended: from an offset to the end.
    const tail = await fetchBytes(big.url, big.player, { range: `bytes=${size - 500}-` });
    assert.equal(tail.res.status, 206);
    assert.equal(tail.res.headers.get('content-range'), `bytes ${size - 500}-${size - 1}/${size}`);
    assert.equal(tail.bytes.length, 500);
    assert.deepEqual(tail.bytes.subarray(400), await bytesAt(size - 100, size - 1));

    // Past the end: 416 with the size.
    const past = await worker.request(big.url, { as: big.player, headers: { range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    assert.equal(past.body.error.code, 'range_not_satisfiable');

    // A conditional GET with the ETag it was given: 304, no body.
    const head = await fetchFresh(worker.url + big.url, {
      method: 'HEAD', headers: { authorization: `Bearer ${sessionToken(big.player)}` },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(size));
    const etag = head.headers.get('etag');
    assert.match(etag, /^"[^"]+"$/);
    const again = await fetchBytes(big.url, big.player, { 'if-none-match': etag });
    assert.equal(again.res.status, 304);
    assert.equal(again.bytes.length, 0);
    assert.equal(again.res.headers.get('etag'), etag);
    assert.equal((await fetchBytes(big.url, big.player, { 'if-none-match': '"other"', range: 'bytes=0-0' })).res.status, 206);

    // Seeking never goes back to Daily.
    assert.equal((await standin.downloads()).filter((d) => d.recordingId === big.recording.id).length, 1);
  });

  test('only the session\'s participants get the stream; anyone else gets 404', async () => {
    assert.ok(big, 'the archived recording of the test above');
    const coach = await fetchBytes(big.url, big.coach.user, { range: 'bytes=0-9' });
    assert.equal(coach.res.status, 206);
    for (const stranger of [newPlayer(), (await newCoach(worker)).user]) {
      const res = await worker.request(big.url, { as: stranger, headers: { range: 'bytes=0-9' } });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'reservation_not_found');
    }
    const anonymous = await fetchFresh(worker.url + big.url, { headers: { range: 'bytes=0-9' } });
    assert.equal(anonymous.status, 401);
  });

  test('a copy cut off halfway leaves no object, and the next attempt archives it whole', async () => {
    const size = 24 * MB + 3;
    const s = await recordedSession(size);
    await standin.downloadFaults({ cutAfterBytes: 12 * MB, times: 1 });
    await worker.scheduled();
    let row = await listed(s);
    assert.equal(row.archive, 'pending', 'to be tried again');
    assert.deepEqual(await objectsOf(s.reservation), [], 'no partial object');
    const cut = (await standin.downloads()).filter((d) => d.recordingId === s.recording.id);
    assert.deepEqual(cut.map((d) => d.completed), [false]);

    // Not before its backoff...
    await worker.scheduled();
    assert.equal((await listed(s)).archive, 'pending');
    // ...and then it is copied whole.
    await worker.scheduled({ at: new Date(Date.now() + HOUR) });
    row = await listed(s);
    assert.equal(row.archive, 'archived');
    assert.deepEqual(await objectsOf(s.reservation), [{ key: s.key, size }]);
    const whole = await download(s.url, s.player);
    assert.equal(whole.sha256, s.recording.sha256);
  });

  test('an expired download link is minted again in the same attempt', async () => {
    const s = await recordedSession(2 * MB);
    await standin.clearCalls();
    await standin.downloadFaults({ status: 403, times: 1 });
    await worker.scheduled();
    assert.equal((await listed(s)).archive, 'archived');
    const minted = (await standin.calls()).filter((c) => c.path === `/recordings/${s.recording.id}/access-link`);
    assert.equal(minted.length, 2);
    assert.equal((await download(s.url, s.player)).sha256, s.recording.sha256);
  });

  test('a copy that keeps failing is given up after 5 attempts, and the replay still opens at Daily', async () => {
    const s = await recordedSession(6 * MB);
    await standin.downloadFaults({ cutAfterBytes: MB, times: 5 });
    const states = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      await worker.scheduled({ at: new Date(Date.now() + attempt * 4 * HOUR) });
      states.push((await listed(s)).archive);
    }
    assert.deepEqual(states, ['pending', 'pending', 'pending', 'pending', 'failed']);
    assert.deepEqual(await objectsOf(s.reservation), []);
    await worker.scheduled({ at: new Date(Date.now() + 30 * HOUR) });
    assert.equal((await listed(s)).archive, 'failed', 'no sixth attempt');
    const open = await worker.request(s.url, { as: s.player });
    assert.equal(open.status, 302);
  });

  test('a rate limit at Daily is not counted as an attempt: the copy waits for the next run', async () => {
    const s = await recordedSession(MB);
    await standin.fault({ method: 'GET', path: `/recordings/${s.recording.id}/access-link`, status: 429 });
    try {
      await worker.scheduled();
    } finally {
      await standin.clearFaults();
    }
    const [row] = await worker.rows('SELECT archive_status, archive_attempts FROM recordings WHERE id = ?', s.recording.id);
    assert.deepEqual({ ...row }, { archive_status: 'pending', archive_attempts: 0 });
    await worker.scheduled({ at: new Date(Date.now() + 2 * 60 * 1000) });
    assert.equal((await listed(s)).archive, 'archived');
  });

  // Last: the run far in the future expires everything archived above.
  test('past the retention, the object is deleted and the API says the replay expired', async () => {
    assert.ok(big, 'the archived recording of the first test');
    await worker.scheduled({ at: new Date(Date.now() + 366 * 24 * HOUR) });
    assert.equal(await (await worker.recordings()).head(big.key), null);
    const row = await listed(big);
    assert.equal(row.archive, 'expired');
    assert.equal(row.url, null);
    const view = await worker.request(`/reservations/${big.reservation.id}`, { as: big.player });
    assert.equal(view.body.dailyRecordingUrl, null, 'the session no longer offers it');
    const gone = await worker.request(big.url, { as: big.player });
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, 'recording_expired');
  });
});

describe('DAILY_DELETE_AFTER_ARCHIVE', () => {
  test('true: once archived, the recording is deleted at Daily and still plays from R2', async () => {
    const stack = await startStack({ vars: { DAILY_DELETE_AFTER_ARCHIVE: 'true' } });
    try {
      const s = await recordedSession(MB, stack.worker, stack.standin);
      await stack.worker.scheduled();
      assert.equal((await listed(s, stack.worker)).archive, 'archived');
      const atDaily = await stack.standin.api('GET', `/recordings/${s.recording.id}`);
      assert.equal(atDaily.status, 404, 'deleted at Daily');
      const res = await fetchFresh(stack.worker.url + s.url, {
        headers: { authorization: `Bearer ${sessionToken(s.player)}`, range: 'bytes=0-99' },
      });
      assert.equal(res.status, 206);
      assert.equal((await res.arrayBuffer()).byteLength, 100);
    } finally {
      await stopStack(stack);
    }
  });

  test('false (the default): the recording stays at Daily', async () => {
    const s = await recordedSession(MB);
    await worker.scheduled();
    assert.equal((await listed(s)).archive, 'archived');
    assert.equal((await standin.api('GET', `/recordings/${s.recording.id}`)).status, 200);
  });
});
