#!/usr/bin/env node
// A V8 CPU profile of this Worker's isolate in workerd under load, through workerd's inspector,
// and where its time goes. Serves a build as bench/serve.mjs does (Miniflare, configured from
// wrangler.toml), starts the profiler, runs the given load command, stops, writes the profile
// (open it in Chrome DevTools or speedscope) and prints:
//   - self time by kind: our wasm, the wasm-bindgen glue (JS shims between wasm and the
//     runtime), the runtime's own JS (D1 client, streams), GC, native code and idle;
//   - per glue shim: what it calls, its time including the runtime work under it, and its
//     share per request (the cost of that crossing).
// Usage: node bench/profile.mjs PORT ENV_FILE PERSIST_DIR OUT.cpuprofile REQUESTS_FILE -- LOAD...
// The load writes the number of requests it completed to REQUESTS_FILE, so the figures are per
// request. BENCH_BUILD_DIR, BENCH_NO_ASSETS as in
// serve.mjs.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import WebSocket from 'ws';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const [port, envFile, persist, outFile, countFile] = argv.slice(0, dash);
const load = argv.slice(dash + 1);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// PROFILE_PEER_DIR profiles the peer instead (a prepared copy, bundled in dist/ by
// `wrangler deploy --dry-run`, seeded in its .wrangler/state), served as its scripts/serve.mjs does.
const peer = process.env.PROFILE_PEER_DIR && path.resolve(process.env.PROFILE_PEER_DIR);
const buildDir = peer ? path.join(peer, 'dist') : path.resolve(root, process.env.BENCH_BUILD_DIR ?? 'build');
const name = peer ? 'ts-worker-peer' : 'edgemy-sessions';
const inspectorPort = Number(port) + 10;

const config = peer ? path.join(peer, 'wrangler.jsonc') : path.join(root, 'wrangler.toml');
const { workerOptions } = unstable_getMiniflareWorkerOptions(config, undefined, { envFiles: [peer ? path.join(peer, '.dev.vars') : path.resolve(envFile)] });
if (process.env.BENCH_NO_ASSETS) delete workerOptions.assets;
delete workerOptions.serviceBindings;
const mf = new Miniflare({
  ...workerOptions,
  name,
  modules: true,
  scriptPath: path.join(buildDir, 'index.js'),
  d1Persist: peer ? path.join(peer, '.wrangler/state/v3/d1') : path.resolve(persist, 'v3/d1'),
  host: '127.0.0.1',
  port: Number(port),
  inspectorPort,
});
await mf.ready;

// workerd lists one inspector target per Worker; ours is named after it.
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
// PROFILE_ISOLATE names another isolate to profile, e.g. the Static Assets router in front of the
// Worker (its inspector target's title, as /json/list shows it).
const wanted = process.env.PROFILE_ISOLATE ?? name;
const target = targets.find((t) => t.title?.includes(wanted) || t.id?.includes(wanted));
if (!target) console.error(`inspector targets: ${targets.map((t) => t.title).join(', ')}`);
if (!target) throw new Error(`no inspector target for the Worker: ${JSON.stringify(targets)}`);
const ws = new WebSocket(target.webSocketDebuggerUrl ?? `ws://127.0.0.1:${inspectorPort}/${target.id}`);
await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
let nextId = 0;
const pending = new Map();
ws.on('message', (data) => {
  const msg = JSON.parse(data);
  if (msg.id && pending.has(msg.id)) {
    const { ok, fail } = pending.get(msg.id);
    pending.delete(msg.id);
    msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
  }
});
const send = (method, params = {}) => new Promise((ok, fail) => {
  const id = ++nextId;
  pending.set(id, { ok, fail });
  ws.send(JSON.stringify({ id, method, params }));
});

// The load runs twice: first unprofiled (PROFILE_PHASE=warmup: the isolate compiles the wasm and
// fills its caches), then under the profiler (PROFILE_PHASE=measure).
const run = (phase) => new Promise((ok) => spawn(load[0], load.slice(1), { stdio: 'inherit', env: { ...process.env, PROFILE_PHASE: phase } }).on('exit', ok));
if ((await run('warmup')) !== 0) throw new Error('the warm-up load failed');
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 100 });
await send('Profiler.start');
const code = await run('measure');
const { profile } = await send('Profiler.stop');
ws.close();
await mf.dispose();
if (code !== 0) throw new Error(`the load command failed (${code})`);
writeFileSync(outFile, JSON.stringify(profile));
const requests = Number(readFileSync(countFile, 'utf8').trim());

// Self time per node, from the samples and their time deltas.
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const kind = (frame) => {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(root)') return 'native (dispatch, I/O, runtime C++)';
  if (url.startsWith('wasm://') || /^\$|^wasm-function/.test(name)) return 'our wasm';
  if (url.endsWith('index.js') && url.includes(path.basename(buildDir))) return peer ? "the Worker's own JS" : 'wasm-bindgen glue (JS)';
  if (url === '' ) return 'native (dispatch, I/O, runtime C++)';
  if (/d1/i.test(url)) return 'runtime JS: D1 client';
  return 'runtime JS: other';
};
// A native API called from a glue shim (Headers.get, new Response) has the shim as its JS
// caller: charge it to the nearest shim above it.
const shimOf = (id) => {
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur).callFrame;
    if (/^__wbg_|^__wbindgen_/.test(f.functionName)) return f.functionName;
    if (kind(f) === 'our wasm') return undefined;
  }
  return undefined;
};
const total = [...self.values()].reduce((a, b) => a + b, 0);
const busy = total - [...self].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
const kinds = new Map();
const shims = new Map();
for (const [id, t] of self) {
  const k = kind(byId.get(id).callFrame);
  kinds.set(k, (kinds.get(k) ?? 0) + t);
  const shim = k === 'idle' ? undefined : shimOf(id);
  if (shim) shims.set(shim, (shims.get(shim) ?? 0) + t);
}
const source = readFileSync(path.join(buildDir, 'index.js'), 'utf8');
const body = (name) => {
  const at = source.indexOf(`${name}:function`);
  if (at < 0) return '';
  const text = source.slice(at + name.length + 1, at + name.length + 200);
  return text.replace(/^function\([^)]*\)\{/, '').replace(/\s+/g, ' ').slice(0, 80);
};
const us = (t) => t / requests; // microseconds per request (timeDeltas are in µs)
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s busy, ${requests} requests, ${(busy / requests).toFixed(1)} µs busy per request`);
console.log('\nself time by kind\tshare of busy\tµs per request');
for (const [k, t] of [...kinds].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1])) {
  console.log(`${k}\t${((100 * t) / busy).toFixed(1)} %\t${us(t).toFixed(1)}`);
}
console.log('\nglue shim (with the runtime work under it)\tshare of busy\tµs per request\twhat it does');
for (const [name, t] of [...shims].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${name}\t${((100 * t) / busy).toFixed(1)} %\t${us(t).toFixed(2)}\t${body(name)}`);
}
// The longest stalls: garbage collection without a break, and gaps between two samples while
// the isolate was busy (its thread did not run at all: waiting for a core, or blocked).
{
  let gcRun = 0, gcLongest = 0, gapLongest = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame.functionName;
    const dt = profile.timeDeltas[i] ?? 0;
    if (f === '(garbage collector)') gcLongest = Math.max(gcLongest, (gcRun += dt));
    else gcRun = 0;
    if (f !== '(idle)') gapLongest = Math.max(gapLongest, dt);
  });
  console.log(`\nlongest garbage collection: ${(gcLongest / 1000).toFixed(1)} ms; longest gap between samples while busy: ${(gapLongest / 1000).toFixed(1)} ms`);
}

// Where the time goes, function by function (wasm functions have their names in a build made
// with `worker-build --no-opt` and `wasm-opt -g`).
const fns = new Map();
for (const [id, t] of self) {
  const f = byId.get(id).callFrame;
  const k = kind(f);
  if (k === 'idle') continue;
  const key = `${f.functionName || '(anonymous)'}\t${k}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
console.log('\nfunction (self time)\tkind\tshare of busy\tµs per request');
for (const [key, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 30))) {
  console.log(`${key.replace(/::h[0-9a-f]{16}\t/, '\t').slice(0, 140)}\t${((100 * t) / busy).toFixed(1)} %\t${us(t).toFixed(2)}`);
}
process.exit(0);
