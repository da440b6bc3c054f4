// The run command, as a newcomer uses it: scripts/dev.sh starts the stand-in (Daily and Brevo) and
// wrangler dev, prints the URL, the mail inbox and the demo users, serves the demo flow, stops
// cleanly, and can run again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/paths.mjs';
import { slot } from '../support/fixtures.mjs';
import { DEV_COMMAND_BREVO_API_KEY, DEV_COMMAND_DAILY_API_KEY, DEV_COMMAND_SESSION_SECRET } from '../support/secrets.mjs';

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

let dir;
let port;
let standinPort;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'edgemy-dev-'));
  port = await freePort();
  standinPort = await freePort();
  await writeFile(
    path.join(dir, 'dev.vars'),
    [
      'DEV_LOGIN=true',
      `AUTH_JWT_SECRET=${DEV_COMMAND_SESSION_SECRET}`,
      `DAILY_API_KEY=${DEV_COMMAND_DAILY_API_KEY}`,
      `DAILY_API_BASE_URL=http://127.0.0.1:${standinPort}/v1`,
      `BREVO_API_KEY=${DEV_COMMAND_BREVO_API_KEY}`,
      `BREVO_API_BASE_URL=http://127.0.0.1:${standinPort}/v3`,
    ].join('\n'),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
/** With EDGEMY_LOG_DIR set, a file there that gets a copy of everything a run of dev.sh prints. */
async function devLog() {
  const dir = process.env.EDGEMY_LOG_DIR;
  if (!dir) return null;
  await mkdir(dir, { recursive: true });
  return createWriteStream(path.join(dir, `dev-command-${process.pid}-${++runs}.log`));
}

/** Starts scripts/dev.sh and resolves once it prints its banner. */
async function startDev() {
  const log = await devLog();
  const child = spawn('bash', ['scripts/dev.sh'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DEV_VARS: path.join(dir, 'dev.vars'), PERSIST_TO: path.join(dir, 'state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    log?.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.once('close', () => log?.end());
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 240 s:\n${output}`)), 240_000);
    child.stdout.on('data', () => output.includes('Ctrl-C stops everything') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`dev.sh exited with ${code}:\n${output}`))));
  });
  return { child, output: () => output };
}

async function stop(child) {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code;
}

const refused = async (url) => {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
};

describe('scripts/dev.sh', { timeout: 600_000 }, () => {
  test('serves the demo flow through the stand-in, stops cleanly, and starts again', async () => {
    const base = `http://127.0.0.1:${port}`;
    const first = await startDev();
    try {
      const banner = first.output();
      assert.match(banner, new RegExp(`Edgemy sessions is running: +${base}`));
      assert.match(banner, /Daily stand-in at http:\/\/127\.0\.0\.1:\d+/);
      assert.ok(banner.includes(`Mail:                        Brevo stand-in inbox at http://127.0.0.1:${standinPort}/__inbox`), 'the inbox');
      const mail = await fetch(`http://127.0.0.1:${standinPort}/v3/smtp/email`, {
        method: 'POST',
        headers: { 'api-key': DEV_COMMAND_BREVO_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ sender: { email: 'no-reply@edgemy.fr' }, to: [{ email: 'leo@example.com' }], subject: 'Hello', textContent: 'Hi' }),
      });
      assert.equal(mail.status, 201, 'the stand-in takes the BREVO_API_KEY of .dev.vars');
      assert.match(await (await fetch(`http://127.0.0.1:${standinPort}/__inbox`)).text(), /Hello/);
      for (const id of ['usr_coach_demo', 'usr_player_demo', 'usr_player_other', 'ann_demo_60']) {
        assert.ok(banner.includes(id), id);
      }

      const login = await fetch(`${base}/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'usr_player_demo' }) });
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie').split(';')[0];
      const booked = await fetch(`${base}/reservations`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ announcementId: 'ann_demo_60', coachId: 'coach_demo', ...slot(10) }),
      });
      assert.equal(booked.status, 201);
      const reservation = await booked.json();
      assert.equal(reservation.dailyRoomUrl, `http://127.0.0.1:${standinPort}/${reservation.dailyRoomName}`);
      const token = await (await fetch(`${base}/reservations/${reservation.id}/daily-token`, { headers: { cookie } })).json();
      const page = await (await fetch(`${token.roomUrl}?t=${token.token}`)).text();
      assert.match(page, /data-user-name="Léo Dubois" data-role="participant"/);
      // The jobs Worker runs beside the API: it mails the booking's confirmations (through the
      // API Worker's service binding), and its scheduled work can be run by hand.
      let confirmations = [];
      for (let i = 0; i < 100 && confirmations.length < 2; i++) {
        const { mails } = await (await fetch(`http://127.0.0.1:${standinPort}/__control/mails`)).json();
        confirmations = mails.filter((m) => m.subject.startsWith('Session confirmée') && m.textContent.includes(reservation.id));
        if (confirmations.length < 2) await new Promise((done) => setTimeout(done, 100));
      }
      assert.deepEqual(confirmations.map((m) => m.to[0].email).sort(), ['camille.martin@example.test', 'leo.dubois@example.test']);
      const jobs = await fetch(`${base}/dev/jobs`, { method: 'POST', headers: { cookie } });
      assert.equal(jobs.status, 200, 'the jobs can be run by hand');
      assert.deepEqual(await jobs.json(), { ran: true });
    } finally {
      assert.equal(await stop(first.child), 143);
    }
    assert.ok(await refused(`${base}/healthz`), 'wrangler dev stopped');
    assert.ok(await refused(`http://127.0.0.1:${standinPort}/v1/`), 'stand-in stopped');

    const second = await startDev();
    try {
      const login = await fetch(`${base}/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'usr_player_demo' }) });
      const cookie = login.headers.get('set-cookie').split(';')[0];
      const list = await (await fetch(`${base}/api/player/sessions`, { headers: { cookie } })).json();
      assert.equal(list.sessions.length, 1, 'the local D1 kept the booking across runs');
    } finally {
      await stop(second.child);
    }
  });
});
