// Starts the Daily stand-in (the Rust binary) on a free port and wraps its test controls.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { fetchFresh } from './http.mjs';

const BIN = process.env.DAILY_STANDIN_BIN ?? path.join(ROOT, 'target/debug/daily-standin');

export async function startStandin({ apiKey = 'test-daily-api-key', roomOrigin } = {}) {
  const args = ['--port', '0', '--api-key', apiKey, ...(roomOrigin ? ['--room-origin', roomOrigin] : [])];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const origin = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`daily-standin exited with ${code}`)));
    lines.on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
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

  return {
    origin,
    apiBase: `${origin}/v1`,
    apiKey,
    /** Every API request received so far (method, path, auth, body, status, fault). */
    calls: async () => (await control('GET', '/__control/calls')).calls,
    clearCalls: () => control('DELETE', '/__control/calls'),
    fault: (rule) => control('POST', '/__control/faults', rule),
    clearFaults: () => control('DELETE', '/__control/faults'),
    settings: (s) => control('POST', '/__control/settings', s),
    reset: () => control('POST', '/__control/reset'),
    /** Calls the stand-in's Daily API directly, as another Daily client would (see `api` above). */
    api,
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
