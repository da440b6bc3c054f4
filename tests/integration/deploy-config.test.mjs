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
const ENVS = ['staging', 'production'];

/** The configuration wrangler deploys for `env`, and the warnings it prints while reading it. */
function readEnv(env) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    return { config: unstable_readConfig({ config: CONFIG, env }), warnings };
  } finally {
    console.warn = warn;
  }
}

const topLevel = experimental_readRawConfig({ config: CONFIG }).rawConfig;
const deployed = Object.fromEntries(ENVS.map((env) => [env, readEnv(env)]));
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

      test('keeps the Cron Trigger, the sessions page and the build', () => {
        assert.deepEqual(config.triggers.crons, topLevel.triggers.crons);
        assert.equal(config.assets.directory, topLevel.assets.directory);
        assert.deepEqual(config.assets.run_worker_first, topLevel.assets.run_worker_first);
        assert.equal(config.build.command, topLevel.build.command);
      });
    });
  }
});

test('the deploy workflow runs the wrangler of package.json', () => {
  const pinned = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies.wrangler;
  const workflow = readFileSync(path.join(ROOT, '.github/workflows/deploy.yml'), 'utf8');
  const versions = [...workflow.matchAll(/wranglerVersion:\s*"?([^"\s]+)"?/g)].map((m) => m[1]);
  assert.deepEqual(versions, [pinned, pinned], 'one wranglerVersion per deploy job');
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
