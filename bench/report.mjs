#!/usr/bin/env node
// Prints the benchmark table: medians over runs, this Worker next to the peer, and each target.
// Usage: node bench/report.mjs results.tsv sizes.tsv DAILY_LATENCY_MS
import { readFileSync } from 'node:fs';

const [resultsFile, sizesFile, dailyLatency] = process.argv.slice(2);
const rows = readFileSync(resultsFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const sizes = Object.fromEntries(readFileSync(sizesFile, 'utf8').trim().split('\n').map((l) => l.split('\t')).map(([, k, raw, gz]) => [k, { raw: +raw, gz: +gz }]));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const get = (stack, who, metric) => median(rows.filter((r) => r[0] === stack && r[1] === who && r[3] === metric).map((r) => Number(r[4])));
const all = (stack, who, metric) => rows.filter((r) => r[0] === stack && r[1] === who && r[3] === metric).map((r) => r[4]).join(' / ');
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;

console.log(`\nSizes: our wasm ${kib(sizes.ours_wasm.raw)} raw, ${kib(sizes.ours_wasm.gz)} gzip -9; JS glue ${kib(sizes.ours_glue.raw)} (${kib(sizes.ours_glue.gz)} gzip); peer bundle ${kib(sizes.peer_bundle.raw)} (${kib(sizes.peer_bundle.gz)} gzip)`);
const metrics = [
  ['cold_start_ms', 'cold start, ms to first 200', 'lower'],
  ['healthz_rps', '/healthz req/s', 'higher'],
  ['healthz_cpu_ms', '/healthz server CPU ms/req', 'lower'],
  ['token_rps', 'token req/s', 'higher'],
  ['token_cpu_ms', 'token server CPU ms/req', 'lower'],
  ['token_p50', 'token p50 ms', 'lower'],
  ['token_p90', 'token p90 ms', 'lower'],
  ['token_p99', 'token p99 ms', 'lower'],
  ['fixed_p50', 'token p50 ms at fixed rate', 'lower'],
  ['fixed_p90', 'token p90 ms at fixed rate', 'lower'],
  ['fixed_p99', 'token p99 ms at fixed rate', 'lower'],
  ['token_non2xx', 'token non-2xx', 'lower'],
  ['sessions_rps', 'session list (50) req/s', 'higher'],
  ['sessions_cpu_ms', 'session list server CPU ms/req', 'lower'],
  ['sessions_non2xx', 'session list non-2xx', 'lower'],
];
const stacks = [...new Set(rows.map((r) => r[0]))];
for (const stack of stacks) {
  console.log(`\n${stack} (medians; every run in brackets)`);
  console.log(`  ${'metric'.padEnd(30)} ${'ours'.padStart(10)} ${'peer'.padStart(10)} ${'ours/peer'.padStart(10)}   runs (ours | peer)`);
  for (const [m, label] of metrics) {
    const o = get(stack, 'ours', m);
    const p = get(stack, 'peer', m);
    const ratio = p ? (o / p).toFixed(2) : '-';
    console.log(`  ${label.padEnd(30)} ${String(o).padStart(10)} ${String(p).padStart(10)} ${ratio.padStart(10)}   ${all(stack, 'ours', m)} | ${all(stack, 'peer', m)}`);
  }
  console.log(`  ${'token: D1 round trips'.padEnd(30)} ${String(get(stack, 'ours', 'token_d1_round_trips')).padStart(10)}`);
  console.log(`  ${'token: Daily requests'.padEnd(30)} ${String(get(stack, 'ours', 'token_daily_requests')).padStart(10)}`);
  console.log(`  ${`booking p50 ms (Daily +${dailyLatency} ms)`.padEnd(30)} ${String(get(stack, 'ours', 'booking_p50')).padStart(10)}   target <= ${(1.2 * dailyLatency + 10).toFixed(0)}`);
  console.log(`  ${'booking p99 ms'.padEnd(30)} ${String(get(stack, 'ours', 'booking_p99')).padStart(10)}`);
  console.log(`  ${'booking: Daily requests each'.padEnd(30)} ${String(get(stack, 'ours', 'booking_dailyPerBooking')).padStart(10)}`);
  console.log(`  ${'booking: D1 round trips each'.padEnd(30)} ${String(get(stack, 'ours', 'booking_d1PerBooking')).padStart(10)}`);
}
