// Two people clicking at once: the overlap check and the insert are one atomic D1 statement, so
// of many concurrent bookings of one slot exactly one wins, on the coach's and on the player's
// calendar alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, stopStack } from '../support/stack.mjs';
import { booking, isoIn, newCoach, newPlayer, slot, unix } from '../support/fixtures.mjs';

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
});
after(() => stopStack({ standin, worker }));

const CONCURRENT = 50;
const ROUNDS = 20;

describe('concurrent bookings', () => {
  test(`${CONCURRENT} concurrent overlapping bookings of one coach, ${ROUNDS} times: one 201 each time`, async () => {
    const coach = await newCoach(worker);
    const players = Array.from({ length: CONCURRENT }, () => newPlayer());
    for (let round = 0; round < ROUNDS; round++) {
      const base = 24 * 60 + round * 180; // each round in its own 3-hour block
      const anchor = Date.now();
      const answers = await Promise.all(
        players.map((player, i) => {
          const start = base + (i % 45); // every slot overlaps every other one
          return worker.request('/reservations', { as: player, json: booking(coach, slot(start, 60, anchor)) });
        }),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.equal(statuses.filter((s) => s === 201).length, 1, `round ${round}: ${statuses}`);
      assert.equal(statuses.filter((s) => s === 409).length, CONCURRENT - 1, `round ${round}`);
      assert.ok(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'slot_taken'));
      const [{ n }] = await worker.rows(
        "SELECT COUNT(*) AS n FROM reservations WHERE coach_id = ?1 AND status = 'confirmed' AND start_at >= ?2 AND start_at < ?3",
        coach.coachId, unix(isoIn(base - 1, anchor)), unix(isoIn(base + 120, anchor)),
      );
      assert.equal(n, 1, `round ${round}: one row in D1`);
    }
  });

  test(`${CONCURRENT} concurrent bookings of one player with ${CONCURRENT} coaches at once: one 201`, async () => {
    const player = newPlayer();
    const coaches = [];
    for (let i = 0; i < CONCURRENT; i++) coaches.push(await newCoach(worker));
    for (let round = 0; round < 5; round++) {
      const base = 10 * 24 * 60 + round * 180;
      const anchor = Date.now();
      const answers = await Promise.all(
        coaches.map((coach, i) => worker.request('/reservations', { as: player, json: booking(coach, slot(base + (i % 30), 60, anchor)) })),
      );
      assert.equal(answers.filter((a) => a.status === 201).length, 1, `round ${round}`);
      const [{ n }] = await worker.rows(
        "SELECT COUNT(*) AS n FROM reservations WHERE player_id = ?1 AND status = 'confirmed' AND start_at >= ?2 AND start_at < ?3",
        player.id, unix(isoIn(base - 1, anchor)), unix(isoIn(base + 120, anchor)),
      );
      assert.equal(n, 1);
    }
  });
});
