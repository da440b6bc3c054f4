#!/usr/bin/env node
// The booking path under load: COUNT bookings, CONCURRENCY at a time, each for its own player
// and slot, while the Daily stand-in adds a fixed latency to every call. Prints one JSON line:
// latency percentiles, Daily requests per booking (stand-in call log) and D1 round trips per
// booking (X-D1-Round-Trips; the Worker runs with INSTRUMENT=true and counts per isolate, so
// the count is read on a few bookings made one at a time first).
// Usage: node bench/book.mjs BASE_URL STANDIN_ORIGIN SESSION_SECRET [COUNT] [CONCURRENCY]
import { createHmac } from 'node:crypto';

const [base, standin, secret, count = '200', concurrency = '4'] = process.argv.slice(2);
const b64url = (s) => Buffer.from(s).toString('base64url');
const sign = (claims) => {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const now = Math.floor(Date.now() / 1000);
// Far from the seeded sessions, and within the booking horizon (BOOKING_HORIZON_DAYS, 180).
const slot0 = (Math.floor(now / 3600) + 24 * 150) * 3600;
let failures = 0;

/** Books slot number i (coach i mod 200); returns [ms, D1 round trips]. */
async function bookOne(i) {
  const coach = i % 200;
  const start = slot0 + Math.floor(i / 200) * 7200;
  const token = sign({ iss: 'https://edgemy.fr', aud: 'edgemy-sessions', sub: `usr_bench_${i}`, name: 'Bench Player', email: `b${i}@example.test`, locale: 'fr', iat: now, exp: now + 7200 });
  const t0 = performance.now();
  const res = await fetch(`${base}/reservations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ announcementId: `ann_${coach}`, coachId: `coach_${coach}`, startDate: new Date(start * 1000).toISOString(), endDate: new Date((start + 3600) * 1000).toISOString() }),
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 201) failures++;
  return [ms, Number(res.headers.get('x-d1-round-trips'))];
}

let next = 0;
const sequentialTrips = [];
for (let k = 0; k < 5; k++) sequentialTrips.push((await bookOne(next++))[1]);

await fetch(`${standin}/__control/calls`, { method: 'DELETE' });
const first = next;
const latencies = [];
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  for (;;) {
    const i = next++;
    if (i >= first + Number(count)) return;
    latencies.push((await bookOne(i))[0]);
  }
}));
const calls = (await (await fetch(`${standin}/__control/calls`)).json()).calls;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
console.log(JSON.stringify({
  bookings: latencies.length,
  failures,
  p50: pct(50),
  p90: pct(90),
  p99: pct(99),
  dailyPerBooking: (calls.length / latencies.length).toFixed(2),
  d1PerBooking: Math.max(...sequentialTrips),
}));
