// What the integration suites run against: a Daily stand-in, and the Worker (build/) in workerd
// with a fresh local D1, pointed at that stand-in.
import { startStandin } from './standin.mjs';
import { startWorker } from './worker.mjs';

/**
 * Starts a stand-in, then the Worker against it (`options` as for `startWorker`, less
 * `standin`). If the Worker does not start, the stand-in is stopped before the error is thrown.
 */
export async function startStack(options = {}) {
  const standin = await startStandin();
  try {
    return { standin, worker: await startWorker({ standin, ...options }) };
  } catch (err) {
    await standin.stop();
    throw err;
  }
}

/** Stops what `startStack` started; either part may be missing when starting failed. */
export async function stopStack({ standin, worker } = {}) {
  await worker?.stop();
  await standin?.stop();
}
