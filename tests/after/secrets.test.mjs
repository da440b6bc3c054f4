// Runs after the integration and browser suites (scripts/test.sh): everything the Worker logged
// during them, and every D1 it had when they stopped (both in EDGEMY_LOG_DIR), must be free of
// the secrets it was given and of tokens: session JWTs and Daily meeting tokens alike.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../support/paths.mjs';
import { ALL_SECRETS } from '../support/secrets.mjs';

const DIR = path.resolve(ROOT, process.env.EDGEMY_LOG_DIR ?? 'target/test-logs');
/** A JWT's first segment: base64url of `{"` and more. */
const TOKEN = /eyJ[A-Za-z0-9_-]{10,}/;

let logs = [];
let dumps = [];
before(async () => {
  const names = (await readdir(DIR)).sort();
  const read = (name) => readFile(path.join(DIR, name), 'utf8').then((text) => ({ name, text }));
  logs = await Promise.all(names.filter((n) => n.endsWith('.log')).map(read));
  dumps = await Promise.all(names.filter((n) => n.endsWith('.d1.json')).map(read));
});

/** Where `match` is true of a line of `files`, as "file:line: text" (at most 5 of them). */
function offending(files, match) {
  const found = [];
  for (const { name, text } of files) {
    text.split('\n').forEach((line, i) => match(line) && found.push(`${name}:${i + 1}: ${line.slice(0, 200)}`));
  }
  return found.slice(0, 5).join('\n');
}

describe(`what the Worker logged and stored (${path.relative(ROOT, DIR)})`, () => {
  test('the logs were captured: there are log files with lines in them, and D1 dumps', () => {
    const lines = logs.flatMap(({ text }) => text.split('\n').filter((l) => l.trim()));
    assert.ok(logs.length > 0, `no .log file in ${DIR}`);
    assert.ok(lines.length > 0, 'the log files are empty');
    assert.ok(dumps.length > 0, `no .d1.json file in ${DIR}`);
  });

  test('no log line holds a secret the Worker was given', () => {
    for (const secret of ALL_SECRETS) {
      assert.equal(offending(logs, (line) => line.includes(secret)), '', `a log line holds the secret "${secret}"`);
    }
  });

  test('no log line and no D1 row holds a token', () => {
    assert.equal(offending(logs, (line) => TOKEN.test(line)), '', 'a log line holds a token');
    assert.equal(offending(dumps, (line) => TOKEN.test(line)), '', 'a D1 row holds a token');
  });

  test('no D1 row holds a secret the Worker was given', () => {
    for (const secret of ALL_SECRETS) {
      assert.equal(offending(dumps, (line) => line.includes(secret)), '', `D1 holds the secret "${secret}"`);
    }
  });
});
