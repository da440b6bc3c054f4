// Every invalid booking gets its own 4xx code, stores nothing and never reaches Daily.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { demo } from '../support/worker.mjs';
import { booking, insertReservation, isoIn, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

let standin;
let worker;
let coach;
let player;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));
beforeEach(async () => {
  coach = await newCoach(worker);
  player = newPlayer();
  await standin.clearCalls();
});

const count = async () => (await worker.rows('SELECT COUNT(*) AS n FROM reservations'))[0].n;

/** Posts a body and checks the status and code, that nothing was stored and Daily was not called. */
async function rejects(body, status, code, { as = player, raw } = {}) {
  const before = await count();
  const res = raw
    ? await worker.request('/reservations', { as, method: 'POST', body: raw, headers: { 'content-type': 'application/json' } })
    : await worker.request('/reservations', { as, json: body });
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(await count(), before, 'nothing stored');
  assert.deepEqual(await standin.calls(), [], 'Daily not called');
  return res.body.error;
}

const without = (body, field) => {
  const b = { ...body };
  delete b[field];
  return b;
};

describe('booking validation', () => {
  test('body that is not JSON: 400 invalid_json', () => rejects(null, 400, 'invalid_json', { raw: '{"announcementId": ' }));
  test('body that is not an object: 400 invalid_body', () => rejects([1, 2], 400, 'invalid_body'));
  test('body over 16 KiB: 413 payload_too_large', () =>
    rejects({ ...booking(coach, slot(60)), pad: 'x'.repeat(20_000) }, 413, 'payload_too_large'));

  for (const field of ['announcementId', 'coachId', 'startDate', 'endDate']) {
    test(`missing ${field}: 400 missing_field naming it`, async () => {
      const err = await rejects(without(booking(coach, slot(60)), field), 400, 'missing_field');
      assert.equal(err.field, field);
    });
  }

  test('a field of the wrong type: 400 invalid_field', async () => {
    const err = await rejects({ ...booking(coach, slot(60)), coachId: 42 }, 400, 'invalid_field');
    assert.equal(err.field, 'coachId');
  });

  test('a date that is not RFC 3339: 400 invalid_field', async () => {
    const err = await rejects({ ...booking(coach, slot(60)), startDate: '24/11/2026 18:00' }, 400, 'invalid_field');
    assert.equal(err.field, 'startDate');
  });

  test('end before start: 422 invalid_time_range', () =>
    rejects({ ...booking(coach, slot(60)), endDate: isoIn(0) }, 422, 'invalid_time_range'));

  test('start in the past: 422 start_in_past', () => rejects(booking(coach, slot(-90)), 422, 'start_in_past'));

  test('unknown announcement: 404 announcement_not_found', () =>
    rejects({ ...booking(coach, slot(60)), announcementId: 'ann_nope' }, 404, 'announcement_not_found'));

  test("another coach's announcement: 422 announcement_coach_mismatch", () =>
    rejects({ ...booking(coach, slot(60)), announcementId: 'ann_demo_60' }, 422, 'announcement_coach_mismatch'));

  test('inactive announcement: 422 announcement_inactive', () =>
    rejects({ ...booking(coach, slot(60)), announcementId: coach.inactiveAnnouncementId }, 422, 'announcement_inactive'));

  test("slot length differs from the offer's duration: 422 duration_mismatch", () =>
    rejects(booking(coach, slot(60, 90)), 422, 'duration_mismatch'));

  test('a coach booking their own offer: 422 cannot_book_self', () =>
    rejects(booking(coach, slot(60)), 422, 'cannot_book_self', { as: coach.user }));
});

describe('overlaps', () => {
  test("overlapping the coach's calendar: 409 slot_taken", async () => {
    const first = await worker.request('/reservations', { as: newPlayer(), json: booking(coach, slot(600)) });
    assert.equal(first.status, 201);
    await standin.clearCalls();
    await rejects(booking(coach, slot(630)), 409, 'slot_taken');
    await rejects(booking(coach, slot(570)), 409, 'slot_taken');
    await rejects(booking(coach, slot(600)), 409, 'slot_taken');
  });

  test("overlapping the player's calendar with another coach: 409 slot_taken", async () => {
    const first = await worker.request('/reservations', { as: player, json: booking(coach, slot(700)) });
    assert.equal(first.status, 201);
    await standin.clearCalls();
    const otherCoach = await newCoach(worker);
    await rejects(booking(otherCoach, slot(730)), 409, 'slot_taken');
  });

  test('back-to-back sessions do not overlap', async () => {
    const anchor = Date.now();
    for (const start of [800, 860, 740]) {
      const res = await worker.request('/reservations', { as: newPlayer(), json: booking(coach, slot(start, 60, anchor)) });
      assert.equal(res.status, 201, `${start}: ${res.text}`);
    }
  });

  test('a cancelled reservation frees its slot', async () => {
    const p = newPlayer();
    await insertReservation(worker, { coach, player: p, startDate: isoIn(900), endDate: isoIn(960), status: 'cancelled' });
    const res = await worker.request('/reservations', { as: player, json: booking(coach, slot(900)) });
    assert.equal(res.status, 201, res.text);
  });

  test('the demo catalogue is bookable by the demo player', async () => {
    const res = await worker.request('/reservations', {
      as: demo.player,
      json: { announcementId: 'ann_demo_90', coachId: 'coach_demo', ...slot(3000, 90) },
    });
    assert.equal(res.status, 201, res.text);
  });
});
