// Starts the Daily stand-in (the Rust binary, which also stands in for Brevo) on a free port and
// wraps its test controls.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { fetchFresh } from './http.mjs';
import { BREVO_API_KEY, DAILY_API_KEY } from './secrets.mjs';

const BIN = process.env.DAILY_STANDIN_BIN ?? path.join(ROOT, 'target/debug/daily-standin');

/**
 * Starts a stand-in. `seed` seeds its random stream (ids, room names, message ids, `probability`
 * faults); by default DAILY_STANDIN_SEED if set, else the stand-in picks one. `standin.seed` is
 * the one in use: a run whose stand-in made random choices is replayed with
 * DAILY_STANDIN_SEED=<seed>. `brevoApiKey` is the key its Brevo side takes in `api-key`.
 */
export async function startStandin({
  apiKey = DAILY_API_KEY,
  brevoApiKey = BREVO_API_KEY,
  roomOrigin,
  seed = process.env.DAILY_STANDIN_SEED || undefined,
  webhook,
} = {}) {
  const args = [
    '--port', '0', '--api-key', apiKey, '--brevo-api-key', brevoApiKey,
    ...(roomOrigin ? ['--room-origin', roomOrigin] : []),
    ...(seed !== undefined ? ['--seed', String(seed)] : []),
    ...(webhook ? ['--webhook-url', webhook.url, '--webhook-secret', webhook.secret] : []),
  ];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const { origin, startSeed } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`daily-standin exited with ${code}`)));
    lines.on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      const s = line.match(/, seed (\d+)\)$/);
      if (m && s) resolve({ origin: m[1], startSeed: Number(s[1]) });
      else if (m) reject(new Error(`daily-standin did not say its seed: ${line}`));
    });
  });

  const control = async (method, route, body) => {
    const res = await fetchFresh(origin + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  // Like any Daily client, waits out rate limits (429) unless `patient` is false, so a test's own
  // reads of Daily's state never fail because the Worker just used up the quota.
  const api = async (method, route, body, { key = apiKey, patient = true } = {}) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetchFresh(`${origin}/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer = { status: res.status, body: await res.json() };
      if (answer.status !== 429 || !patient || attempt === 20) return answer;
      await new Promise((done) => setTimeout(done, 250 + 50 * attempt));
    }
  };

  const calls = async () => (await control('GET', '/__control/calls')).calls;

  return {
    origin,
    /** The stand-in's process id (to read its memory use). */
    pid: child.pid,
    apiBase: `${origin}/v1`,
    apiKey,
    /** The seed of the stand-in's random stream at start (`--seed`); a reset goes back to it. */
    seed: startSeed,
    /** Every API request received so far (method, path, auth, body, status, fault). */
    calls,
    /**
     * Polls the call log until a call satisfies `match`, and answers it. `unless` (a promise)
     * stops the wait with an error if it settles first, e.g. the request that should have
     * made the call, so that a call that never comes fails the test instead of hanging it.
     */
    async waitForCall(match, { unless } = {}) {
      let settled = null;
      unless?.then(
        (value) => { settled = `settled first: ${JSON.stringify(value?.text ?? value)}`; },
        (err) => { settled = `failed first: ${err.message}`; },
      );
      for (;;) {
        const call = (await calls()).find(match);
        if (call) return call;
        if (settled) throw new Error(`no matching call at the stand-in; the awaited request ${settled}`);
        await new Promise((done) => setTimeout(done, 10));
      }
    },
    clearCalls: () => control('DELETE', '/__control/calls'),
    /** Adds a fault rule or a list of them; `{ hold: true }` keeps matching requests waiting. */
    fault: (rule) => control('POST', '/__control/faults', rule),
    clearFaults: () => control('DELETE', '/__control/faults'),
    /** `{ rateLimit, clockOffsetSeconds, seed }`, any of them; answers all three. */
    settings: (s) => control('POST', '/__control/settings', s),
    /** Lets every request held by a `hold` fault go on; answers `{ released: n }`. */
    release: () => control('POST', '/__control/release'),
    reset: () => control('POST', '/__control/reset'),
    /**
     * A participant joins `room` (`meeting.started` first when it was empty, then
     * `participant.joined`); `at` (unix seconds) replaces the stand-in's clock. Answers
     * `{ sessionId, deliveries }` once the events are delivered.
     */
    join: (room, { userId, userName, owner = false, at } = {}) =>
      control('POST', `/__control/rooms/${encodeURIComponent(room)}/join`, { userId, userName, owner, at }),
    /** Session `sessionId` leaves `room` (`meeting.ended` after the last); `{ deliveries }`. */
    leave: (room, sessionId, { at } = {}) =>
      control('POST', `/__control/rooms/${encodeURIComponent(room)}/leave`, { sessionId, at }),
    /**
     * A finished cloud recording of `room` (`recording.started`, `recording.ready-to-download`).
     * Its download is the small real MP4, or with `sizeBytes` that many generated bytes; then the
     * answer's recording also has `sizeBytes` and `sha256` (hex, of the whole download).
     */
    recording: (room, { startTs, duration, sizeBytes } = {}) =>
      control('POST', `/__control/rooms/${encodeURIComponent(room)}/recordings`, { startTs, duration, sizeBytes }),
    /**
     * Replaces the download fault of the recordings' links: `{ cutAfterBytes: n, times: k }` drops
     * the next k downloads after n body bytes (their headers announce the full length);
     * `{ status: 403, times: k }` refuses the next k link requests as expired; without `times`,
     * every one; `{}` clears it. Answers the fault in force.
     */
    downloadFaults: (faults = {}) => control('POST', '/__control/downloads/faults', faults),
    /** Every download through a link: `[{ recordingId, range, bytesSent, completed }]`. */
    downloads: async () => (await control('GET', '/__control/downloads')).downloads,
    /** `recording.error` for `room`. */
    recordingError: (room) => control('POST', `/__control/rooms/${encodeURIComponent(room)}/recording-error`, {}),
    /**
     * Replaces the webhook faults: `{ duplicate: n }` sends each event n times with the same id,
     * `{ hold: true }` queues them until `releaseWebhooks`, `{ drop: [type] }` never sends those.
     */
    webhookFaults: (faults = {}) => control('POST', '/__control/webhooks/faults', faults),
    /** Sends the queued events in the order produced (`sent`) or the reverse; `{ deliveries }`. */
    releaseWebhooks: (order = 'sent') => control('POST', '/__control/webhooks/release', { order }),
    /**
     * Runs `fn` (a test's body that depends on the stand-in's random choices); if it throws,
     * the error says which seed replays them.
     */
    async replayable(fn) {
      try {
        return await fn();
      } catch (err) {
        const replay = `stand-in seed ${startSeed}: replay with DAILY_STANDIN_SEED=${startSeed}`;
        if (err instanceof Error) {
          const message = err.message;
          err.message = `${message}\n(${replay})`;
          // Reporters print the stack, which starts with the message it was made with.
          err.stack = err.stack?.replace(message, () => err.message);
        }
        throw err;
      }
    },
    /** Calls the stand-in's Daily API directly, as another Daily client would (see `api` above). */
    api,
    /** The Brevo side's API base (`POST ${brevoBase}/smtp/email`), and the key it takes. */
    brevoBase: `${origin}/v3`,
    brevoApiKey,
    /**
     * Every mail the Brevo side took, oldest first: `[{ messageId, receivedAt (unix ms), sender,
     * to, cc, bcc, replyTo, subject, htmlContent, textContent, tags, headers, attachments: [{ name,
     * contentType, content (the text for text types such as .ics, else base64), size }] }]`.
     */
    mails: async () => (await control('GET', '/__control/mails')).mails,
    clearMails: () => control('DELETE', '/__control/mails'),
    /**
     * Replaces the Brevo fault: `{ status: 429|500|502|503, times, probability, delayMs, hang:
     * 'before'|'after' }` (a status instead of the answer; `hang: 'before'` never answers and keeps
     * nothing, `'after'` keeps the mail and never answers); `probability` on the seeded stream;
     * `times` for the next k requests it hits; `{}` clears it. Answers the fault in force.
     */
    brevoFaults: (fault = {}) => control('POST', '/__control/brevo/faults', fault),
    participants: async (room) =>
      (await (await fetchFresh(`${origin}/__standin/rooms/${room}/participants`)).json()).participants,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
