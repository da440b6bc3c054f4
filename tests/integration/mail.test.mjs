// E-mails end to end: a booking, a reschedule and a cancellation queue their mails in the D1
// outbox; the Worker sends them through the Brevo stand-in after answering, and the scheduled
// handler sends reminders and what is left. The invites are read with an iCalendar parser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { startStack, stopStack } from '../support/stack.mjs';
import { startWorker } from '../support/worker.mjs';
import { booking, newCoach, newPlayer, slot } from '../support/fixtures.mjs';

const MINUTE = 60_000;

let standin;
let worker;
before(async () => {
  ({ standin, worker } = await startStack());
  // Brevo's rate limit (and Daily's) would only delay mails to a later run; the flaky-Brevo test
  // covers retries. Here each test expects its mails in one go.
  await standin.settings({ rateLimit: false });
});
after(() => stopStack({ standin, worker }));

/** Books a session of a fresh coach for a fresh player; both may be given. */
async function book({ startIn = 60, player = newPlayer({ name: 'Léo Dubois' }), coach, s } = {}) {
  coach ??= await newCoach(worker, { name: 'Camille Martin', title: 'Revue de mains' });
  const res = await worker.request('/reservations', { as: player, json: booking(coach, s ?? slot(startIn)) });
  assert.equal(res.status, 201, res.text);
  return { coach, player, reservation: res.body };
}

/** The outbox rows of a reservation. */
const outbox = (id) =>
  worker.rows('SELECT kind, recipient_role, status, attempts, slot_start, due_at, next_at FROM outbox WHERE reservation_id = ? ORDER BY kind, recipient_role', id);

/**
 * Waits until no mail of the reservation is being sent or due now (the sends after the answer run
 * on their own), running the scheduled handler in between; answers the rows.
 */
async function settled(id, at = new Date()) {
  for (let i = 0; i < 50; i++) {
    const rows = await outbox(id);
    const busy = rows.some((r) => r.status === 'sending' || (r.status === 'pending' && r.next_at * 1000 <= at.getTime()));
    if (!busy) return rows;
    await worker.scheduled({ at });
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`mails of ${id} still in flight: ${JSON.stringify(await outbox(id))}`);
}

/** The mails the stand-in received about a reservation (their invite's UID names it). */
async function mailsAbout(reservationId) {
  return (await standin.mails()).filter((m) => m.attachments.some((a) => a.content?.includes(`UID:reservation-${reservationId}@`)));
}

/** Mails of one kind (Brevo tag) to one address. */
const of = (mails, kind, email) => mails.filter((m) => m.tags.includes(kind) && (!email || m.to[0].email === email));

/** The VEVENT and the METHOD of a mail's invite, parsed as iCalendar. */
function invite(mail) {
  const ics = mail.attachments.find((a) => a.name.endsWith('.ics'));
  assert.ok(ics, 'an .ics attachment');
  assert.match(ics.contentType, /^text\/calendar/);
  const calendar = new ICAL.Component(ICAL.parse(ics.content));
  const event = calendar.getFirstSubcomponent('vevent');
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.getFirstPropertyValue('uid'),
    sequence: event.getFirstPropertyValue('sequence'),
    status: event.getFirstPropertyValue('status'),
    start: event.getFirstPropertyValue('dtstart').toJSDate().toISOString().replace('.000Z', 'Z'),
    end: event.getFirstPropertyValue('dtend').toJSDate().toISOString().replace('.000Z', 'Z'),
    organizer: event.getFirstPropertyValue('organizer'),
    attendee: event.getFirstPropertyValue('attendee'),
    url: event.getFirstPropertyValue('url'),
  };
}

describe('mail', () => {
  test('a booking sends exactly two confirmations, each with a calendar invite', async () => {
    const { coach, player, reservation: r } = await book();
    const rows = await settled(r.id);
    assert.deepEqual(rows.filter((x) => x.kind === 'confirmation').map((x) => `${x.recipient_role}:${x.status}`), ['coach:sent', 'player:sent']);
    assert.deepEqual(rows.filter((x) => x.kind === 'reminder').map((x) => x.status), ['pending', 'pending']);
    const mails = await mailsAbout(r.id);
    assert.equal(mails.length, 2);
    const toPlayer = of(mails, 'confirmation', player.email);
    const toCoach = of(mails, 'confirmation', coach.user.email);
    assert.equal(toPlayer.length, 1);
    assert.equal(toCoach.length, 1);
    assert.equal(toPlayer[0].subject, 'Session confirmée : Revue de mains avec Camille Martin');
    assert.equal(toCoach[0].subject, 'Session confirmée : Revue de mains avec Léo Dubois');
    assert.deepEqual(toPlayer[0].sender, { email: 'sessions@edgemy.fr', name: 'Edgemy' });
    assert.ok(toPlayer[0].htmlContent.includes(`${worker.url}/?session=${r.id}`));
    assert.ok(toPlayer[0].textContent.includes(`${worker.url}/?session=${r.id}`));
    for (const mail of [...toPlayer, ...toCoach]) {
      const ics = invite(mail);
      assert.equal(ics.method, 'REQUEST');
      assert.equal(ics.uid, `reservation-${r.id}@127.0.0.1`);
      assert.equal(ics.sequence, 0);
      assert.equal(ics.status, 'CONFIRMED');
      assert.equal(ics.start, r.startDate);
      assert.equal(ics.end, r.endDate);
      assert.equal(ics.organizer, 'mailto:sessions@edgemy.fr');
      assert.equal(ics.attendee, `mailto:${mail.to[0].email}`);
      assert.equal(ics.url, `${worker.url}/?session=${r.id}`);
    }
  });

  test('each participant gets their language and time zone', async () => {
    const coach = await newCoach(worker, { name: 'Camille Martin', title: 'Revue de mains', locale: 'fr', timeZone: 'Europe/Paris' });
    const player = newPlayer({ name: 'Ana Souza', locale: 'en', zoneinfo: 'America/Sao_Paulo' });
    const { reservation: r } = await book({ coach, player, s: { startDate: '2027-01-12T18:00:00Z', endDate: '2027-01-12T19:00:00Z' } });
    await settled(r.id);
    const mails = await mailsAbout(r.id);
    const [en] = of(mails, 'confirmation', player.email);
    const [fr] = of(mails, 'confirmation', coach.user.email);
    assert.equal(en.subject, 'Session confirmed: Revue de mains with Camille Martin');
    assert.match(en.textContent, /Tuesday,? 12 January 2027,? 15:00\s?–\s?16:00 .*\(America\/Sao_Paulo\)/);
    assert.match(en.textContent, /Join the session: /);
    assert.match(fr.textContent, /mardi 12 janvier 2027,? 19:00\s?–\s?20:00 .*\(Europe\/Paris\)/);
    assert.match(fr.textContent, /^Bonjour Camille Martin,/);
    assert.equal((await worker.rows('SELECT time_zone FROM users WHERE id = ?', player.id))[0].time_zone, 'America/Sao_Paulo');
  });

  test('the reminder goes out 15 minutes before, once, through 5 overlapping runs and a flaky Brevo', async () => {
    const { reservation: r } = await book({ startIn: 45 });
    await settled(r.id);
    const due = Date.parse(r.startDate) - 15 * MINUTE;
    // Not before its time.
    await worker.scheduled({ at: new Date(due - MINUTE) });
    assert.equal(of(await mailsAbout(r.id), 'reminder').length, 0);
    await standin.brevoFaults({ status: 503, probability: 0.3 });
    try {
      for (let minute = 0; minute < 9; minute++) {
        const at = new Date(due + minute * MINUTE);
        await Promise.all(Array.from({ length: 5 }, () => worker.scheduled({ at })));
        const rows = (await outbox(r.id)).filter((x) => x.kind === 'reminder');
        if (rows.every((x) => x.status === 'sent')) break;
      }
    } finally {
      await standin.brevoFaults({});
    }
    const rows = (await outbox(r.id)).filter((x) => x.kind === 'reminder');
    assert.deepEqual(rows.map((x) => x.status), ['sent', 'sent']);
    const reminders = of(await mailsAbout(r.id), 'reminder');
    assert.equal(reminders.length, 2, 'one reminder each, never two');
    // "15 minutes" when it goes out on time; a reminder retried later says the time left.
    assert.match(reminders.find((m) => m.textContent.startsWith('Bonjour Léo')).subject, /^Rappel : votre session avec Camille Martin commence dans 1?\d minutes$/);
  });

  test('a reschedule sends a notice with both times and re-arms the reminder', async () => {
    const { player, reservation: r } = await book({ startIn: 60 });
    await settled(r.id);
    const moved = slot(180);
    const res = await worker.request(`/reservations/${r.id}`, { as: player, method: 'PATCH', json: moved });
    assert.equal(res.status, 200, res.text);
    const rows = await settled(r.id);
    const reminders = rows.filter((x) => x.kind === 'reminder');
    assert.deepEqual(reminders.map((x) => `${x.slot_start * 1000 === Date.parse(moved.startDate) ? 'new' : 'old'}:${x.status}`).sort(),
      ['new:pending', 'new:pending', 'old:cancelled', 'old:cancelled']);
    const notices = of(await mailsAbout(r.id), 'rescheduled');
    assert.equal(notices.length, 2);
    const toPlayer = notices.find((m) => m.to[0].email === player.email);
    assert.match(toPlayer.subject, /^Session déplacée : /);
    assert.match(toPlayer.textContent, /Ancien horaire : /);
    assert.match(toPlayer.textContent, /Nouvel horaire : /);
    const ics = invite(toPlayer);
    assert.equal(ics.method, 'REQUEST');
    assert.equal(ics.uid, `reservation-${r.id}@127.0.0.1`);
    assert.equal(ics.sequence, 1);
    assert.equal(ics.start, moved.startDate);
    // The old slot's reminder time comes and goes without a mail; the new one's brings one.
    await worker.scheduled({ at: new Date(Date.parse(r.startDate) - 14 * MINUTE) });
    assert.equal(of(await mailsAbout(r.id), 'reminder').length, 0);
    await worker.scheduled({ at: new Date(Date.parse(moved.startDate) - 14 * MINUTE) });
    await settled(r.id, new Date(Date.parse(moved.startDate) - 14 * MINUTE));
    assert.equal(of(await mailsAbout(r.id), 'reminder').length, 2);
  });

  test('a cancellation disarms the reminder and sends METHOD:CANCEL for the same event', async () => {
    const { coach, reservation: r } = await book({ startIn: 60 });
    await settled(r.id);
    const res = await worker.request(`/reservations/${r.id}/cancel`, { as: coach.user, method: 'POST' });
    assert.equal(res.status, 200, res.text);
    const rows = await settled(r.id);
    assert.deepEqual(rows.filter((x) => x.kind === 'reminder').map((x) => x.status), ['cancelled', 'cancelled']);
    const notices = of(await mailsAbout(r.id), 'cancelled');
    assert.equal(notices.length, 2);
    for (const mail of notices) {
      assert.match(mail.subject, /^Session annulée : /);
      const ics = invite(mail);
      assert.equal(ics.method, 'CANCEL');
      assert.equal(ics.status, 'CANCELLED');
      assert.equal(ics.uid, `reservation-${r.id}@127.0.0.1`);
      assert.equal(ics.sequence, 1);
    }
    await worker.scheduled({ at: new Date(Date.parse(r.startDate) - 14 * MINUTE) });
    assert.equal(of(await mailsAbout(r.id), 'reminder').length, 0);
  });

  test('a confirmation still waiting for Brevo when the session is cancelled is not sent', async () => {
    await standin.brevoFaults({ status: 503 });
    let r;
    let coach;
    try {
      ({ coach, reservation: r } = await book({ startIn: 600 }));
      await settled(r.id);
      const res = await worker.request(`/reservations/${r.id}/cancel`, { as: coach.user, method: 'POST' });
      assert.equal(res.status, 200, res.text);
    } finally {
      await standin.brevoFaults({});
    }
    // The notices go out after the answer; then, minutes later, the confirmations' turn comes.
    await settled(r.id);
    const rows = await settled(r.id, new Date(Date.now() + 20 * MINUTE));
    assert.deepEqual(rows.filter((x) => x.kind === 'confirmation').map((x) => x.status), ['cancelled', 'cancelled']);
    assert.deepEqual(rows.filter((x) => x.kind === 'cancelled').map((x) => x.status), ['sent', 'sent']);
    const mails = await mailsAbout(r.id);
    assert.equal(of(mails, 'confirmation').length, 0, 'no "confirmed" after "cancelled"');
    assert.equal(of(mails, 'cancelled').length, 2);
  });

  test('a reminder more than 10 minutes late is skipped, not sent', async () => {
    const { player, reservation: r } = await book({ startIn: 60 });
    await settled(r.id);
    await worker.scheduled({ at: new Date(Date.parse(r.startDate) - 4 * MINUTE) });
    const rows = await outbox(r.id);
    assert.deepEqual(rows.filter((x) => x.kind === 'reminder').map((x) => x.status), ['skipped', 'skipped']);
    assert.equal(of(await mailsAbout(r.id), 'reminder').length, 0);
    const seen = await worker.request(`/reservations/${r.id}/notifications`, { as: player });
    assert.deepEqual(seen.body.notifications.map((n) => `${n.kind}:${n.recipientRole}:${n.status}`),
      ['confirmation:player:sent', 'reminder:player:skipped']);
  });

  test('a mail Brevo keeps refusing is failed after 5 attempts, visible in the API', async () => {
    await standin.brevoFaults({ status: 503 });
    let r;
    let player;
    try {
      ({ player, reservation: r } = await book({ startIn: 600 }));
      let at = Date.now();
      for (let run = 0; run < 6; run++) {
        at += 20 * MINUTE;
        await settled(r.id, new Date(at));
      }
    } finally {
      await standin.brevoFaults({});
    }
    const seen = await worker.request(`/reservations/${r.id}/notifications`, { as: player });
    assert.equal(seen.status, 200);
    const confirmation = seen.body.notifications.find((n) => n.kind === 'confirmation');
    assert.deepEqual({ status: confirmation.status, attempts: confirmation.attempts, sentAt: confirmation.sentAt },
      { status: 'failed', attempts: 5, sentAt: null });
    assert.equal(of(await mailsAbout(r.id), 'confirmation').length, 0);
  });

  test('a Brevo timeout is retried: the mail may arrive twice, never not at all', async () => {
    // Brevo keeps the first request's mail but never answers it; the client gives up on it after
    // its timeout and sends again.
    await standin.brevoFaults({ hang: 'after', times: 1 });
    let r;
    let player;
    try {
      ({ player, reservation: r } = await book({ startIn: 600 }));
      await settled(r.id);
    } finally {
      await standin.brevoFaults({});
    }
    const rows = await outbox(r.id);
    assert.deepEqual(rows.filter((x) => x.kind === 'confirmation').map((x) => x.status), ['sent', 'sent']);
    const all = of(await mailsAbout(r.id), 'confirmation');
    assert.equal(all.length, 3, 'one of the two confirmations twice: the one whose answer never came');
    assert.ok(of(all, 'confirmation', player.email).length >= 1, 'the player has theirs');
    assert.ok(all.length - of(all, 'confirmation', player.email).length >= 1, 'the coach has theirs');
  });

  test('participants see their own mails; anyone else gets 404', async () => {
    const { coach, player, reservation: r } = await book();
    await settled(r.id);
    const mine = await worker.request(`/reservations/${r.id}/notifications`, { as: coach.user });
    assert.deepEqual(mine.body.notifications.map((n) => `${n.kind}:${n.recipientRole}`), ['confirmation:coach', 'reminder:coach']);
    assert.equal(mine.body.notifications[0].status, 'sent');
    assert.match(mine.body.notifications[0].sentAt, /^\d{4}-\d\d-\d\dT/);
    const stranger = await worker.request(`/reservations/${r.id}/notifications`, { as: newPlayer() });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error.code, 'reservation_not_found');
    assert.equal((await worker.request(`/reservations/${r.id}/notifications`, { as: player })).body.notifications.length, 2);
  });

  test('no mail carries a token or a daily.co address', async () => {
    const all = await standin.mails();
    assert.ok(all.length >= 10, `${all.length} mails`);
    for (const mail of all) {
      const text = JSON.stringify(mail);
      assert.ok(!/eyJ[\w-]+\.[\w-]+/.test(text), `a JWT in "${mail.subject}"`);
      assert.ok(!text.includes('daily.co'), `daily.co in "${mail.subject}"`);
      assert.ok(!text.includes(standin.origin), `a room URL in "${mail.subject}"`);
      assert.ok(!text.includes('daily-token'), `a token URL in "${mail.subject}"`);
    }
  });
});

describe('without BREVO_API_KEY', () => {
  test('no mail is sent, the mails due say skipped, and bookings work as before', async () => {
    const quiet = await startWorker({ standin, vars: { BREVO_API_KEY: undefined } });
    try {
      const coach = await newCoach(quiet);
      const player = newPlayer();
      const before = (await standin.mails()).length;
      const res = await quiet.request('/reservations', { as: player, json: booking(coach, slot(60)) });
      assert.equal(res.status, 201, res.text);
      const cancel = await quiet.request(`/reservations/${res.body.id}/cancel`, { as: player, method: 'POST' });
      assert.equal(cancel.status, 200);
      await quiet.scheduled();
      assert.equal((await standin.mails()).length, before);
      const seen = await quiet.request(`/reservations/${res.body.id}/notifications`, { as: player });
      assert.deepEqual(seen.body.notifications.map((n) => `${n.kind}:${n.status}`),
        ['confirmation:skipped', 'cancelled:skipped', 'reminder:cancelled']);
    } finally {
      await quiet.stop();
    }
  });
});
