// What the integration suites run against: a Daily stand-in, and the Worker (build/) in workerd
// with a fresh local D1, pointed at that stand-in.
import { startStandin } from './standin.mjs';
import { startWorker } from './worker.mjs';
import { DAILY_WEBHOOK_SECRET } from './secrets.mjs';

/**
 * Starts a stand-in, then the Worker against it (`options` as for `startWorker`, less
 * `standin`). If the Worker does not start, the stand-in is stopped before the error is thrown.
 */
export async function startStack(options = {}) {
  const standin = await startStandin();
  try {
    const worker = await startWorker({ standin, ...options });
    await registerWebhook(standin, worker);
    return { standin, worker };
  } catch (err) {
    await standin.stop();
    throw err;
  }
}

/** The event types the Worker uses, as a deployment registers them. */
export const WEBHOOK_EVENT_TYPES = [
  'meeting.started', 'meeting.ended', 'participant.joined', 'participant.left',
  'recording.ready-to-download', 'recording.error',
];

/**
 * Registers the Worker's webhook at the stand-in as a deployment does at Daily (`POST
 * /v1/webhooks`, which first pings the URL), with the secret the Worker was given.
 */
export async function registerWebhook(standin, worker, { secret = DAILY_WEBHOOK_SECRET } = {}) {
  const res = await standin.api('POST', '/webhooks', {
    url: `${worker.url}/webhooks/daily`,
    eventTypes: WEBHOOK_EVENT_TYPES,
    hmac: secret,
  });
  if (res.status !== 200) throw new Error(`webhook registration: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Stops what `startStack` started; either part may be missing when starting failed. */
export async function stopStack({ standin, worker } = {}) {
  await worker?.stop();
  await standin?.stop();
}
