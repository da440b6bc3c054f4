#!/usr/bin/env node
// Serves build/ in workerd through Miniflare, configured from wrangler.toml as `wrangler dev` is,
// but without wrangler's dev proxy and DevTools inspector: the "miniflare" stack of the bench.
// Usage: node bench/serve.mjs PORT ENV_FILE PERSIST_DIR
// BENCH_BUILD_DIR serves another build than build/ (bench/ab.sh compares two).
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const [port, envFile, persist] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, 'wrangler.toml'), undefined, { envFiles: [path.resolve(envFile)] });
// Diagnosis only (STACKS=miniflare-no-assets): without the Static Assets router in front.
if (process.env.BENCH_NO_ASSETS) delete workerOptions.assets;
// The API Worker alone: the jobs Worker (jobs/wrangler.toml) sends the booking's e-mails after
// the answer, off the measured path; without its binding the API Worker leaves them queued.
delete workerOptions.serviceBindings;
const mf = new Miniflare({
  ...workerOptions,
  name: 'edgemy-sessions',
  modules: true,
  scriptPath: path.join(path.resolve(root, process.env.BENCH_BUILD_DIR ?? 'build'), 'index.js'),
  d1Persist: path.resolve(persist, 'v3/d1'),
  host: '127.0.0.1',
  port: Number(port),
});
await mf.ready;
console.log(`Ready on http://127.0.0.1:${port} (miniflare)`);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, async () => { await mf.dispose(); process.exit(0); });
