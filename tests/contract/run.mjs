// The API contract, checked from outside: Schemathesis generates requests from
// public/openapi.json (served at /openapi.json) and sends them to the Worker (build/ in workerd,
// local D1, the Daily stand-in), signed in as the demo player. It requires no server error,
// answers (status, content type, headers, body) that conform to the document, and negative data
// (anything the document does not allow) refused with a 4xx.
//
//   node tests/contract/run.mjs                     the bounded pass of the test command (200 examples per operation)
//   scripts/contract.sh [examples]                 a long pass (see the README)
//
// Schemathesis comes from scripts/bootstrap.sh (SCHEMATHESIS_BIN says where). Its reports land
// in target/contract/reports/, and the failures it found (replayed first next time) in
// target/contract/cache/.
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../support/paths.mjs';
import { slot } from '../support/fixtures.mjs';
import { sessionToken } from '../support/jwt.mjs';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';

const bin = process.env.SCHEMATHESIS_BIN;
if (!bin) throw new Error('SCHEMATHESIS_BIN is not set: run scripts/bootstrap.sh, or use scripts/contract.sh');
const examples = process.env.CONTRACT_EXAMPLES ?? '200';
const seed = process.env.CONTRACT_SEED ?? String(Math.floor(Math.random() * 1e9));
const reports = path.join(ROOT, 'target/contract/reports');
// Failures found before are replayed first in the next run: kept apart from the reports.
const cache = path.join(ROOT, 'target/contract/cache');

// Checks left out: `positive_data_acceptance` expects every valid-looking request to succeed, but
// most generated ones name reservations, offers or coaches that do not exist (404), or slots the
// booking rules refuse (422); those answers are documented, and conformance checks them.
const checks = ['all'];
const excluded = ['positive_data_acceptance'];

const { standin, worker } = await startStack({ vars: { DEV_LOGIN: 'true' } });
let code = 1;
try {
  await rm(reports, { recursive: true, force: true });
  await mkdir(reports, { recursive: true });
  const token = sessionToken(demo.player, { expiresIn: 24 * 3600 });
  // A session of the demo player's, joinable now, so the operations on a reservation reach past
  // the 404 of an unknown id; and the demo coach for the catalogue.
  const booked = await worker.request('/reservations', {
    as: demo.player,
    json: { announcementId: 'ann_demo_60', coachId: 'coach_demo', ...slot(5) },
  });
  if (booked.status !== 201) throw new Error(`booking the contract's session: ${booked.status} ${booked.text}`);
  const config = path.join(reports, 'schemathesis.toml');
  await writeFile(config, [
    `cache = { directory = "${cache}" }`,
    '[[operations]]',
    'include-path-regex = "^/reservations/"',
    `parameters = { id = "${booked.body.id}" }`,
    '[[operations]]',
    'include-operation-id = "coachOffers"',
    'parameters = { coachId = "coach_demo" }',
    '',
  ].join('\n'));
  const args = [
    '--config-file', config,
    'run', `${worker.url}/openapi.json`,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', checks.join(','), '--exclude-checks', excluded.join(','),
    '--max-examples', examples, '--seed', seed,
    // One worker: Hypothesis describes strategies with ast.parse, which CPython 3.11 can fail
    // with "AST constructor recursion depth mismatch" when two threads parse at once.
    '--workers', '1', '--request-timeout', '10',
    '--report', 'junit', '--report-dir', reports,
    '--output-sanitize', 'true',
    '--no-color',
  ];
  console.log(`schemathesis: ${examples} examples per operation, seed ${seed}`);
  const started = Date.now();
  code = await new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(signal ? 1 : status));
  });
  console.log(`schemathesis finished in ${((Date.now() - started) / 1000).toFixed(1)} s, exit code ${code}`);
} finally {
  await stopStack({ standin, worker });
}
process.exit(code);
