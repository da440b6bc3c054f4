// Runs the real wasm builds in workerd (Miniflare, configured from wrangler.toml and
// jobs/wrangler.toml exactly as `wrangler dev` is): the API Worker and the jobs Worker, with a
// fresh local D1 holding the real migrations and the demo seed.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { Miniflare } from 'miniflare';
import { fetchFresh } from './http.mjs';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { ROOT } from './paths.mjs';
import { workerdChildren } from './proc.mjs';
import { SESSION_SECRET, ISSUER, AUDIENCE, sessionToken } from './jwt.mjs';
import { DAILY_WEBHOOK_SECRET } from './secrets.mjs';

/** Splits a SQL file into statements (our files keep `;` at line ends, never inside strings). */
function statements(sql) {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

async function applySql(db, file) {
  const stmts = statements(await readFile(file, 'utf8'));
  await db.batch(stmts.map((s) => db.prepare(s)));
}

/** A TCP port free on 127.0.0.1 right now. */
async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Where the Worker's log and its D1 at the end go when EDGEMY_LOG_DIR is set (so that
 * tests/after/ can check them): `<suite>-<pid>-<n>.log` and `<suite>-<pid>-<n>.d1.json`.
 */
const LOG_DIR = process.env.EDGEMY_LOG_DIR;
let workersStarted = 0;

function logBase() {
  const suite = path.basename(process.argv[1] ?? 'worker', '.mjs');
  return path.join(LOG_DIR, `${suite}-${process.pid}-${++workersStarted}`);
}

/**
 * A `handleRuntimeStdio` for Miniflare that copies everything workerd writes to `file` and
 * still echoes it line by line as Miniflare does by default (stdout to console.log, stderr to
 * console.error). Miniflare destroys both streams when it stops workerd, so they never end:
 * `close()`, called once it has, closes the file.
 */
function teeRuntimeStdio(file) {
  const out = createWriteStream(file);
  const handle = (stdout, stderr) => {
    for (const [stream, echo] of [[stdout, console.log], [stderr, console.error]]) {
      stream.on('data', (chunk) => out.write(chunk));
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => echo(line));
    }
  };
  const close = async () => {
    out.end();
    await once(out, 'finish');
  };
  return { handle, close };
}

/** Every row of every table of `db`, as JSON, into `file` (Cloudflare's own tables left out). */
async function dumpD1(db, file) {
  const tables = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name")
    .all();
  const dump = {};
  for (const { name } of tables.results) dump[name] = (await db.prepare(`SELECT * FROM "${name}"`).all()).results;
  await writeFile(file, `${JSON.stringify(dump, null, 1)}\n`);
}

export const demo = {
  coach: { id: 'usr_coach_demo', name: 'Camille Martin', email: 'camille.martin@example.test', locale: 'fr', coachId: 'coach_demo' },
  player: { id: 'usr_player_demo', name: 'Léo Dubois', email: 'leo.dubois@example.test', locale: 'fr' },
  other: { id: 'usr_player_other', name: 'Ada Lovelace', email: 'ada.lovelace@example.test', locale: 'en' },
};

/**
 * Starts the Worker. `env` picks a wrangler.toml environment (`staging`, `production`), whose
 * vars and bindings are then the ones deployed with `--env`; the top level by default.
 * `vars` override wrangler.toml's vars (as `--var` / .dev.vars would);
 * a value of `undefined` removes the variable. The per-user limit of changes (`WRITE_LIMITER`)
 * is wrangler.toml's with `writeLimit: 'wrangler'`; the suites that are not about it raise it,
 * since they make many changes as one user within a minute.
 */
export async function startWorker({ env, standin, vars = {}, writeLimit = 10_000 } = {}) {
  // The port is chosen first, so that APP_URL (the link in mails) can name it.
  const port = await freePort();
  const envFiles = [path.join(ROOT, 'tests/support/test.env')];
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml'), env, { envFiles });
  const jobs = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'jobs/wrangler.toml'), env, { envFiles }).workerOptions;
  // The API Worker reaches the jobs Worker by the name its service binding gives.
  const jobsName = workerOptions.serviceBindings.JOBS.name ?? workerOptions.serviceBindings.JOBS;
  const overrides = {
    AUTH_JWT_SECRET: SESSION_SECRET,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    DAILY_WEBHOOK_SECRET,
    APP_URL: `http://127.0.0.1:${port}`,
    ...(standin ? {
      DAILY_API_KEY: standin.apiKey,
      DAILY_API_BASE_URL: standin.apiBase,
      BREVO_API_KEY: standin.brevoApiKey,
      BREVO_API_BASE_URL: standin.brevoBase,
    } : {}),
    ...vars,
  };
  const withOverrides = (base) => {
    const bindings = { ...base, ...overrides };
    for (const [k, v] of Object.entries(bindings)) if (v === undefined) delete bindings[k];
    return bindings;
  };
  const bindings = withOverrides(workerOptions.bindings);

  const ratelimits = { ...workerOptions.ratelimits };
  if (writeLimit !== 'wrangler') {
    ratelimits.WRITE_LIMITER = { ...ratelimits.WRITE_LIMITER, simple: { limit: writeLimit, period: 60 } };
  }
  let capture = null;
  if (LOG_DIR) {
    await mkdir(LOG_DIR, { recursive: true });
    const base = logBase();
    capture = { base, stdio: teeRuntimeStdio(`${base}.log`) };
  }
  const before = new Set(await workerdChildren());
  // Both Workers in one workerd, sharing the D1 database and the R2 bucket (same ids), as
  // `wrangler dev -c wrangler.toml -c jobs/wrangler.toml` runs them.
  const mf = new Miniflare({
    ...(capture ? { handleRuntimeStdio: capture.stdio.handle } : {}),
    d1Persist: false,
    host: '127.0.0.1',
    port,
    workers: [
      {
        ...workerOptions,
        ratelimits,
        name: 'edgemy-sessions',
        modules: true,
        scriptPath: path.join(ROOT, 'build/index.js'),
        bindings,
        serviceBindings: { ...workerOptions.serviceBindings, JOBS: jobsName },
      },
      {
        ...jobs,
        name: jobsName,
        modules: true,
        scriptPath: path.join(ROOT, 'build-jobs/index.js'),
        bindings: withOverrides(jobs.bindings),
      },
    ],
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const [pid = null] = (await workerdChildren()).filter((p) => !before.has(p));
  const db = await mf.getD1Database('DB');
  const migrations = (await readdir(path.join(ROOT, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();
  for (const file of migrations) await applySql(db, path.join(ROOT, 'migrations', file));
  await applySql(db, path.join(ROOT, 'seed/demo.sql'));

  /** fetch against the Worker; `as` signs the request in as a user (Bearer session token). */
  const request = async (route, { as, token, json, headers = {}, ...init } = {}) => {
    const h = { ...headers };
    if (as) h.authorization = `Bearer ${sessionToken(as)}`;
    if (token) h.authorization = `Bearer ${token}`;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      init.body = JSON.stringify(json);
      init.method ??= 'POST';
    }
    let res;
    try {
      res = await fetchFresh(url + route, { ...init, headers: h, redirect: 'manual' });
    } catch (err) {
      throw new Error(`${init.method ?? 'GET'} ${route}: ${err.message} (${err.cause?.code ?? err.cause?.message ?? 'no cause'})`);
    }
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body, text };
  };

  return {
    url,
    db,
    request,
    /** Sends a request to any URL (an https one, say) straight into the Worker. */
    dispatch: (target, init) => mf.dispatchFetch(target, init),
    /** The workerd process running the Worker (to read its memory use), if found. */
    pid,
    /**
     * Runs the jobs Worker's Cron Trigger once, as the runtime would every minute; `at` (a Date)
     * is the run's scheduled time, now by default.
     */
    scheduled: async ({ at = new Date() } = {}) =>
      (await mf.getWorker(jobsName)).scheduled({ cron: '* * * * *', scheduledTime: at }),
    /** The Worker's R2 bucket of archived recordings, as Miniflare keeps it. */
    recordings: () => mf.getR2Bucket('RECORDINGS'),
    /** The rows of a query against the Worker's D1. */
    rows: async (sql, ...params) => (await db.prepare(sql).bind(...params).all()).results,
    /** Stops workerd; with EDGEMY_LOG_DIR, dumps D1 first and closes the log file after. */
    async stop() {
      try {
        if (capture) await dumpD1(db, `${capture.base}.d1.json`);
      } finally {
        await mf.dispose();
        await capture?.stdio.close();
      }
    },
  };
}
