// The deployed environments (wrangler.toml's [env.staging] and [env.production]), read the way
// `wrangler deploy --env X` reads them: wrangler does not carry vars, D1 databases, R2 buckets or rate limits
// over from the top level, so each environment must name them all, and its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { experimental_readRawConfig, unstable_readConfig } from 'wrangler';
import { ROOT } from '../support/paths.mjs';
import { startStandin } from '../support/standin.mjs';
import { demo, startWorker } from '../support/worker.mjs';
import { slot } from '../support/fixtures.mjs';

const CONFIG = path.join(ROOT, 'wrangler.toml');
const JOBS_CONFIG = path.join(ROOT, 'jobs/wrangler.toml');
const ENVS = ['staging', 'production'];

/** The configuration wrangler deploys for `env`, and the warnings it prints while reading it. */
function readEnv(env, config = CONFIG) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    return { config: unstable_readConfig({ config, env }), warnings };
  } finally {
    console.warn = warn;
  }
}

const topLevel = experimental_readRawConfig({ config: CONFIG }).rawConfig;
const jobsTopLevel = experimental_readRawConfig({ config: JOBS_CONFIG }).rawConfig;
const deployed = Object.fromEntries(ENVS.map((env) => [env, readEnv(env)]));
const deployedJobs = Object.fromEntries(ENVS.map((env) => [env, readEnv(env, JOBS_CONFIG)]));
const all = [topLevel, ...ENVS.map((env) => deployed[env].config)];
const db = (config) => config.d1_databases.find((d) => d.binding === 'DB');
const limiter = (config) => config.ratelimits.find((r) => r.name === 'WRITE_LIMITER');
const recordings = (config) => config.r2_buckets.find((b) => b.binding === 'RECORDINGS');

describe('deployed environments in wrangler.toml', () => {
  for (const env of ENVS) {
    describe(env, () => {
      const { config, warnings } = deployed[env];

      test('wrangler reads it without a warning', () => {
        assert.deepEqual(warnings, []);
      });

      test('deploys as its own Worker', () => {
        assert.equal(config.name, `edgemy-sessions-${env}`);
      });

      test('has the development sign-in off', () => {
        assert.equal(config.vars.DEV_LOGIN, 'false');
      });

      test('sets every var of the top level', () => {
        const missing = Object.keys(topLevel.vars).filter((name) => !(name in config.vars));
        assert.deepEqual(missing, []);
      });

      test('has its own D1 database, with the migrations', () => {
        assert.ok(db(config), 'no D1 binding DB');
        assert.equal(db(config).migrations_dir, 'migrations');
        const ids = all.map((c) => db(c).database_id);
        assert.equal(ids.filter((id) => id === db(config).database_id).length, 1, `database_id shared: ${ids}`);
      });

      test('has a room prefix of its own among the deployed environments', () => {
        const prefixes = ENVS.map((e) => deployed[e].config.vars.ROOM_PREFIX);
        assert.equal(prefixes.filter((p) => p === config.vars.ROOM_PREFIX).length, 1, `ROOM_PREFIX shared: ${prefixes}`);
      });

      test('has its own bucket of archived recordings', () => {
        assert.ok(recordings(config), 'no R2 binding RECORDINGS');
        const names = all.map((c) => recordings(c).bucket_name);
        assert.equal(names.filter((n) => n === recordings(config).bucket_name).length, 1, `bucket shared: ${names}`);
      });

      test('has its own per-user limit of changes', () => {
        assert.ok(limiter(config), 'no WRITE_LIMITER rate limit');
        assert.deepEqual(limiter(config).simple, limiter(topLevel).simple);
        const ids = all.map((c) => limiter(c).namespace_id);
        assert.equal(ids.filter((id) => id === limiter(config).namespace_id).length, 1, `namespace_id shared: ${ids}`);
      });

      test('keeps the sessions page and the build', () => {
        assert.equal(config.assets.directory, topLevel.assets.directory);
        assert.deepEqual(config.assets.run_worker_first, topLevel.assets.run_worker_first);
        assert.equal(config.build.command, topLevel.build.command);
      });
    });
  }
});

describe('the jobs Worker of each environment (jobs/wrangler.toml)', () => {
  for (const env of ENVS) {
    describe(env, () => {
      const { config, warnings } = deployedJobs[env];
      const api = deployed[env].config;

      test('wrangler reads it without a warning', () => {
        assert.deepEqual(warnings, []);
      });

      test("is the Worker the API Worker's JOBS binding names, with no public address", () => {
        assert.equal(config.name, `edgemy-sessions-jobs-${env}`);
        assert.equal(api.services.find((b) => b.binding === 'JOBS')?.service, config.name);
        assert.equal(config.workers_dev, false);
        assert.deepEqual(config.routes ?? [], []);
      });

      test('runs every minute, on the API Worker\'s own D1 database and R2 bucket', () => {
        assert.deepEqual(config.triggers.crons, jobsTopLevel.triggers.crons);
        assert.equal(db(config).database_id, db(api).database_id);
        assert.equal(db(config).database_name, db(api).database_name);
        assert.equal(recordings(config).bucket_name, recordings(api).bucket_name);
      });

      test('sets every var of its top level, the shared ones as the API Worker does', () => {
        const missing = Object.keys(jobsTopLevel.vars).filter((name) => !(name in config.vars));
        assert.deepEqual(missing, []);
        for (const shared of ['ROOM_PREFIX', 'DAILY_API_BASE_URL', 'DAILY_RECORDING', 'REMINDER_MINUTES']) {
          assert.equal(config.vars[shared], api.vars[shared], shared);
        }
        assert.match(config.vars.APP_URL, /^https:\/\//);
      });
    });
  }
});

test('the deploy workflow runs the wrangler of package.json', () => {
  const pinned = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies.wrangler;
  const workflow = readFileSync(path.join(ROOT, '.github/workflows/deploy.yml'), 'utf8');
  const versions = [...workflow.matchAll(/wranglerVersion:\s*"?([^"\s]+)"?/g)].map((m) => m[1]);
  assert.deepEqual(versions, [pinned, pinned], 'one wranglerVersion per deploy job');
  assert.ok(workflow.includes('jobs/wrangler.toml'), 'the jobs Worker is deployed too');
});

describe('the Worker as deployed to each environment', () => {
  let standin;
  const workers = [];
  before(async () => {
    standin = await startStandin();
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await standin?.stop();
  });

  for (const env of ENVS) {
    test(`${env}: no development sign-in, and rooms carry the environment's prefix`, async () => {
      const worker = await startWorker({ env, standin });
      workers.push(worker);
      const login = await worker.request('/dev/login', { json: { userId: demo.player.id } });
      assert.equal(login.status, 404);
      assert.equal((await worker.request('/api/config')).body.devLogin, false);

      const booking = { announcementId: 'ann_demo_60', coachId: 'coach_demo', ...slot(60) };
      const res = await worker.request('/reservations', { as: demo.player, json: booking });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.dailyRoomName, `${deployed[env].config.vars.ROOM_PREFIX}-${res.body.id}`);
    });
  }
});
