// The sessions page: who is signed in, their sessions (as coach and/or player), the join
// buttons with their windows, and, with the development sign-in on, the demo booking form and
// the demo-user picker. In production, bookings come from the platform (POST /reservations).
// It talks to the JSON API like any other client.
import {
  formatDate, formatDelay, formatTime, getLocale, LOCALES, saveLocale, savedLocale, setLocale, t,
} from './i18n.js';
import { openCall } from './call.js';

/** The coach whose offers the booking form shows (the demo catalogue, development only). */
const BOOKING_COACH_ID = 'coach_demo';
const TICK_MS = 1000;

const state = {
  config: null,
  me: null,
  view: 'loading',
  lists: { coach: null, player: null },
  /** The packs of each role, newest first (their sessions are shown grouped). */
  packs: { coach: [], player: [] },
  errors: { coach: null, player: null },
  /** The replay URLs of each past session with recordings (id → [url]), newest first. */
  recordings: {},
  /** The cursor of each list's next page (null on the last page). */
  next: { coach: null, player: null },
  /** Per list: a page being loaded ('loading'), or the ApiError of the last attempt. */
  more: { coach: null, player: null },
  catalog: null,
  /** What the booking form holds ({ offer, date, time }), kept across re-renders. */
  draft: null,
  bookingMessage: null,
  alerts: {},
  /** Why the last sign-out failed (an ApiError), while the user is still signed in. */
  signOutError: null,
  /** The last join state seen of each session ("role:id" → kind), to announce its opening. */
  joinKinds: new Map(),
};

/** Announcements waiting to be said once the page is updated. */
const pendingAnnouncements = [];

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? (status === 0 ? 'network' : 'unknown');
    this.details = error ?? {};
  }
}

/**
 * The newest D1 bookmark the API answered: sent back with every request, so that a read served
 * by a database replica is never older than what this page has already seen or written.
 */
let d1Bookmark = null;

async function api(path, { method = 'GET', body } = {}) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (d1Bookmark) headers['x-d1-bookmark'] = d1Bookmark;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, null);
  }
  const bookmark = res.headers.get('x-d1-bookmark');
  // Bookmarks compare as text: keep the newest, whatever order the answers come back in.
  if (bookmark && (!d1Bookmark || bookmark > d1Bookmark)) d1Bookmark = bookmark;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.error);
  return data;
}

/** Builds an element: h('p', { class: 'x', text: '…' }, child, …). Text never goes through HTML. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = value;
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const main = () => document.getElementById('main');

function apiMessage(err) {
  if (err.code === 'not_open_yet' && err.details.opensAt) return t('api.not_open_yet', { time: formatTime(err.details.opensAt) });
  if (err.code === 'network') return t('app.error.network');
  const key = `api.${err.code}`;
  return t(key) === key ? t('api.generic', { code: err.code }) : t(key);
}

/** A 401 after sign-in means the platform session expired. */
function handleAuthLoss(err) {
  if (err.status === 401 && state.me) {
    state.me = null;
    state.view = 'expired';
    render();
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- static texts and the header

function applyStaticTexts() {
  document.documentElement.lang = getLocale();
  document.title = `Edgemy · ${t('app.title')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.getElementById('lang-switch').value = getLocale();
  const who = document.getElementById('who');
  who.hidden = !state.me;
  who.textContent = state.me ? t('auth.signedInAs', { name: state.me.name }) : '';
  document.getElementById('sign-out').hidden = !(state.me && state.config?.devLogin);
  const signOutError = document.getElementById('sign-out-error');
  signOutError.hidden = !state.signOutError;
  const failure = state.signOutError?.code === 'network' ? 'auth.signOutFailedNetwork' : 'auth.signOutFailed';
  signOutError.textContent = state.signOutError ? t(failure) : '';
}

// ---------------------------------------------------------------- views

function viewLoading() {
  return [h('p', { class: 'status', role: 'status', text: t('app.loading') })];
}

function viewFatal(retry) {
  return [
    h('h1', { text: t('app.title') }),
    h('p', { class: 'alert', role: 'alert', text: t('app.error') }),
    h('button', { type: 'button', class: 'button', text: t('app.retry'), onclick: retry }),
  ];
}

function viewSignedOut(expired) {
  const nodes = [
    h('h1', { text: expired ? t('auth.expiredTitle') : t('auth.signedOutTitle') }),
    h('p', { text: expired ? t('auth.expired') : t('auth.signedOut') }),
  ];
  if (state.config?.devLogin) nodes.push(viewDevPicker());
  else nodes.push(h('a', { class: 'button', href: state.config?.loginUrl ?? '/', text: t('auth.login') }));
  return nodes;
}

function viewDevPicker() {
  const box = h('section', { class: 'picker', 'aria-labelledby': 'dev-title' },
    h('h2', { id: 'dev-title', text: t('dev.title') }),
    h('p', { class: 'status', text: t('dev.hint') }));
  const users = state.devUsers ?? [];
  for (const user of users) {
    const role = user.coachId ? t('dev.coach') : t('dev.player');
    box.append(h('button', {
      type: 'button',
      class: 'button secondary',
      dataset: { userId: user.id },
      text: `${t('dev.signInAs', { name: user.name })} (${role}, ${user.locale})`,
      onclick: () => devSignIn(user.id),
    }));
  }
  return box;
}

/** Where a session stands for joining, at `now`. */
function joinState(session, now) {
  if (session.status === 'cancelled') return { kind: 'cancelled' };
  const opens = Date.parse(session.opensAt);
  const closes = Date.parse(session.closesAt);
  if (now < opens) return { kind: 'upcoming', in: opens - now };
  if (now >= closes) return { kind: 'past' };
  return { kind: 'open' };
}

/** Records where `session` stands; a session that has just opened is to be announced. */
function noteJoinKind(session, kind) {
  const key = `${session.role}:${session.id}`;
  const before = state.joinKinds.get(key);
  state.joinKinds.set(key, kind);
  if (before === 'upcoming' && kind === 'open') {
    pendingAnnouncements.push(t('session.opened', { name: session.counterpart.name }));
  }
}

/** Says what changed through the one polite live region (screen readers read it when idle). */
function announcePending() {
  if (pendingAnnouncements.length === 0) return;
  document.getElementById('announcer').textContent = pendingAnnouncements.join(' ');
  pendingAnnouncements.length = 0;
}

function joinText(js) {
  if (js.kind === 'upcoming') return t('session.opensIn', { delay: formatDelay(js.in) });
  if (js.kind === 'past') return t('session.closed');
  if (js.kind === 'cancelled') return t('session.cancelled');
  return '';
}

function viewSession(session) {
  const js = joinState(session, Date.now());
  noteJoinKind(session, js.kind);
  const stateId = `join-state-${session.id}`;
  const joinButton = h('button', {
    type: 'button',
    class: 'button join',
    disabled: js.kind !== 'open',
    'aria-describedby': stateId,
    text: t('session.join'),
    onclick: (e) => join(session, e.currentTarget),
  });
  const discord = session.discordChannelUrl
    ? h('a', { class: 'button secondary discord', href: session.discordChannelUrl, target: '_blank', rel: 'noopener noreferrer', text: t('session.discord') })
    : h('p', { class: 'hint discord-missing', text: t('session.discordMissing') });
  const alert = state.alerts[session.id];
  const live = session.status === 'confirmed' && js.kind !== 'past';
  const cancel = live
    ? h('button', { type: 'button', class: 'button secondary cancel', text: t('session.cancel'), onclick: (e) => askCancel(session, e.currentTarget) })
    : null;
  const after = session.status === 'confirmed' && js.kind === 'past';
  const videoNote = live && ['pending', 'failed'].includes(session.videoStatus)
    ? h('p', { class: 'video-state', text: t(`session.video.${session.videoStatus}`) })
    : null;
  return h('li', { class: 'session', dataset: { sessionId: session.id, state: js.kind, role: session.role } },
    h('div', { class: 'session-main' },
      h('p', { class: 'session-who', text: session.counterpart.name }),
      h('p', { class: 'session-title', text: session.announcementTitle }),
      h('p', { class: 'session-when' },
        h('time', { datetime: session.startDate, text: `${formatDate(session.startDate)}, ${formatTime(session.startDate)}–${formatTime(session.endDate)}` }),
        ` · ${t('session.duration', { minutes: session.durationMinutes })}`),
      h('span', { class: `badge status-${session.status}`, text: t(`session.status.${session.status}`) }),
      session.rescheduledAt ? h('span', { class: 'badge rescheduled', text: t('session.rescheduled') }) : null,
      session.packSession ? h('span', { class: 'badge pack-index', text: t('session.packIndex', session.packSession) }) : null,
      videoNote,
      after ? viewAttendance(session) : null),
    h('div', { class: 'session-actions' },
      after ? viewReplays(session) : null,
      joinButton,
      // Not a live region: a countdown rewritten every second would be read out every second.
      // The Join button refers to it, and announcePending() says when the session opens.
      h('span', { class: 'join-state', id: stateId, text: joinText(js) }),
      discord,
      cancel,
      alert ? h('p', { class: 'session-alert', role: 'alert', text: alert }) : null));
}

/** Who came to a past session: "Camille a rejoint · Léo absent", coach first. */
function viewAttendance(session) {
  const names = session.role === 'coach'
    ? { coach: state.me.name, player: session.counterpart.name }
    : { coach: session.counterpart.name, player: state.me.name };
  const parts = ['coach', 'player'].map((role) =>
    t(session.attendance?.[role] ? 'session.joined' : 'session.absent', { name: names[role] }));
  return h('p', { class: 'session-attendance', text: parts.join(' · ') });
}

/** A button per recording of a past session ("Revoir la session"), newest first. */
function viewReplays(session) {
  const urls = state.recordings[session.id] ?? (session.dailyRecordingUrl ? [session.dailyRecordingUrl] : []);
  if (urls.length === 0) return null;
  return h('div', { class: 'replays' }, urls.map((url, i) => h('button', {
    type: 'button',
    class: 'button secondary replay',
    text: i === 0 ? t('session.replay') : t('session.replayN', { n: urls.length - i }),
    onclick: (e) => openReplay(url, e.currentTarget),
  })));
}

/** Plays a replay in a dialog: a <video> on the recording's own URL, which streams the archived
 * file with byte ranges (so the player can seek), or redirects to a download link at Daily until
 * it is archived. Closing stops it and gives focus back. */
function openReplay(url, opener) {
  const dialog = document.getElementById('replay-dialog');
  const video = document.getElementById('replay-video');
  const error = document.getElementById('replay-error');
  error.hidden = true;
  video.onerror = () => { error.hidden = false; };
  video.src = url;
  dialog.addEventListener('close', () => {
    video.pause();
    video.removeAttribute('src');
    video.load();
    opener.focus();
  }, { once: true });
  dialog.showModal();
}

/** Every recording of the past sessions that have one (the lists give only the newest). */
async function loadRecordings(sessions) {
  const recorded = sessions.filter((s) => s.dailyRecordingUrl && !state.recordings[s.id]);
  await Promise.all(recorded.map(async (s) => {
    try {
      const { recordings } = await api(`/reservations/${s.id}/recordings`);
      state.recordings[s.id] = recordings.filter((r) => r.url).map((r) => r.url);
    } catch {
      // The newest recording, from the list, is still offered.
    }
  }));
}

/** The booking form is a development tool: in production, bookings come from the platform. */
const bookingFormShown = () => Boolean(state.config?.devLogin && state.me && !state.me.coachId);

function emptyListKey(role) {
  if (role === 'coach') return 'list.empty';
  return bookingFormShown() ? 'list.emptyPlayer' : 'list.emptyPlayerPlatform';
}

function viewList(role) {
  const title = role === 'coach' ? t('list.coach') : t('list.player');
  const section = h('section', { class: 'list', dataset: { list: role }, 'aria-labelledby': `list-${role}` },
    h('h2', { id: `list-${role}`, text: title }));
  const sessions = state.lists[role];
  if (state.errors[role]) {
    section.append(
      h('p', { class: 'alert', role: 'alert', text: `${t('app.error')} ${apiMessage(state.errors[role])}` }),
      h('button', { type: 'button', class: 'button secondary', text: t('app.retry'), onclick: () => loadLists() }));
    return section;
  }
  if (!sessions) {
    section.append(h('p', { class: 'status', role: 'status', text: t('app.loading') }));
    return section;
  }
  if (sessions.length === 0) {
    section.append(h('p', { class: 'status empty', text: t(emptyListKey(role)) }));
    return section;
  }
  // A pack's sessions are shown together, under the pack; the others by time.
  const packs = state.packs[role].filter((p) => sessions.some((s) => s.packId === p.id));
  for (const pack of packs) section.append(viewPack(pack, sessions.filter((s) => s.packId === pack.id)));
  const grouped = new Set(packs.map((p) => p.id));
  const single = sessions.filter((s) => !grouped.has(s.packId));
  const now = Date.now();
  const upcoming = single.filter((s) => Date.parse(s.closesAt) > now);
  const past = single.filter((s) => Date.parse(s.closesAt) <= now);
  for (const [key, group] of [['list.upcoming', upcoming], ['list.past', past]]) {
    if (group.length === 0) continue;
    section.append(h('h3', { text: t(key) }), h('ul', { class: 'sessions' }, group.map(viewSession)));
  }
  if (state.next[role]) section.append(viewMore(role));
  return section;
}

/** A pack and its sessions: "Pack Revue de mains avec Camille · 3 sessions restantes sur 5". */
function viewPack(pack, sessions) {
  const counterpart = pack.playerId === state.me.id ? pack.coachName : pack.playerName;
  let left;
  const expired = Date.parse(pack.expiresAt) <= Date.now();
  if (pack.status === 'cancelled') left = t('pack.cancelled');
  else if (expired) left = t('pack.expired');
  else if (pack.remaining === 0) left = t('pack.remainingNone');
  else if (pack.remaining === 1) left = t('pack.remainingOne', { size: pack.packSize });
  else left = t('pack.remaining', { remaining: pack.remaining, size: pack.packSize });
  const expiry = pack.status === 'active' && !expired && pack.remaining > 0 ? ` · ${t('pack.expires', { date: formatDate(pack.expiresAt) })}` : '';
  return h('div', { class: 'pack', dataset: { packId: pack.id } },
    h('h3', { text: `${pack.title} ${t('pack.with', { name: counterpart })}` }),
    h('p', { class: 'pack-remaining', text: `${left}${expiry}` }),
    h('ul', { class: 'sessions' }, sessions.map(viewSession)));
}

/** "Show more sessions": the list's next page, with its own loading state and error. */
function viewMore(role) {
  const more = state.more[role];
  const loading = more === 'loading';
  const failed = more instanceof ApiError;
  return h('div', { class: 'more' },
    failed ? h('p', { class: 'alert', role: 'alert', text: `${t('app.error')} ${apiMessage(more)}` }) : null,
    h('button', {
      type: 'button',
      class: 'button secondary more-button',
      disabled: loading,
      text: loading ? t('app.loading') : t(failed ? 'app.retry' : 'list.more'),
      onclick: () => loadMore(role),
    }));
}

/** Today's date and the next round 5 minutes, in the viewer's time zone, for the form. */
function soonLocal() {
  const d = new Date(Date.now() + 5 * 60_000);
  d.setSeconds(0, 0);
  d.setMinutes(Math.ceil(d.getMinutes() / 5) * 5);
  const pad = (n) => String(n).padStart(2, '0');
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

function viewBooking() {
  const section = h('section', { class: 'booking', 'aria-labelledby': 'book-title' }, h('h2', { id: 'book-title', text: t('book.title') }));
  if (!state.catalog) {
    section.append(h('p', { class: state.catalogError ? 'alert' : 'status', text: state.catalogError ? t('book.loadError') : t('app.loading') }));
    return section;
  }
  section.append(h('p', { class: 'status', text: t('book.coach', { name: state.catalog.coachName }) }));
  // A re-render (another language, a refused booking, a list reload) keeps what was entered.
  const draft = state.draft ?? soonLocal();
  const offer = h('select', { id: 'book-offer', name: 'offer', required: true },
    state.catalog.announcements.map((a) => h('option', { value: a.id, selected: a.id === draft.offer, text: `${a.title} · ${t('session.duration', { minutes: a.durationMinutes })}` })));
  const chosen = state.catalog.announcements.find((a) => a.id === (draft.offer ?? state.catalog.announcements[0]?.id));
  const message = state.bookingMessage;
  const form = h('form', { id: 'book-form', onsubmit: book, oninput: keepDraft, onchange: keepDraft },
    h('label', { for: 'book-offer' }, t('book.offer'), offer),
    h('p', { id: 'book-pack-hint', class: 'hint pack-hint', hidden: !chosen?.packSize, text: packHint(chosen) }),
    h('label', { for: 'book-date' }, t('book.date'), h('input', { id: 'book-date', name: 'date', type: 'date', required: true, value: draft.date })),
    h('label', { for: 'book-time' }, t('book.time'), h('input', { id: 'book-time', name: 'time', type: 'time', step: '300', required: true, value: draft.time })),
    h('button', { type: 'submit', class: 'button', text: t('book.submit') }),
    h('p', { class: `form-message ${message?.ok ? 'notice' : 'alert'}`, role: 'status', text: message?.text ?? '' }));
  section.append(form);
  return section;
}

function keepDraft(event) {
  const form = event.currentTarget;
  state.draft = { offer: form.offer.value, date: form.date.value, time: form.time.value };
  const chosen = state.catalog.announcements.find((a) => a.id === form.offer.value);
  const hint = document.getElementById('book-pack-hint');
  hint.hidden = !chosen?.packSize;
  hint.textContent = packHint(chosen);
}

/** What the form says of a pack offer. */
function packHint(offer) {
  return offer?.packSize ? t('book.packHint', { size: offer.packSize }) : '';
}

function viewHome() {
  const nodes = [h('h1', { text: t('app.title') })];
  const isCoach = Boolean(state.me.coachId);
  if (isCoach) nodes.push(viewList('coach'));
  if (!isCoach || (state.lists.player && state.lists.player.length > 0)) nodes.push(viewList('player'));
  if (bookingFormShown()) nodes.push(viewBooking());
  return nodes;
}

function render() {
  applyStaticTexts();
  const views = {
    loading: viewLoading,
    fatal: () => viewFatal(boot),
    signedOut: () => viewSignedOut(false),
    expired: () => viewSignedOut(true),
    home: viewHome,
  };
  main().replaceChildren(...views[state.view]());
  announcePending();
}

// ---------------------------------------------------------------- actions

async function loadLists() {
  const roles = state.me.coachId ? ['coach', 'player'] : ['player'];
  state.errors = { coach: null, player: null };
  render();
  await Promise.all(roles.map(async (role) => {
    try {
      const [page, packs] = await Promise.all([api(`/api/${role}/sessions`), api(`/api/${role}/packs`)]);
      await loadRecordings(page.sessions);
      state.packs[role] = packs.packs;
      state.lists[role] = page.sessions;
      state.next[role] = page.nextCursor;
      state.more[role] = null;
    } catch (err) {
      if (handleAuthLoss(err)) return;
      state.errors[role] = err;
    }
  }));
  if (state.view === 'home') render();
}

async function loadMore(role) {
  state.more[role] = 'loading';
  render();
  const shown = state.lists[role].length;
  try {
    const page = await api(`/api/${role}/sessions?cursor=${encodeURIComponent(state.next[role])}`);
    await loadRecordings(page.sessions);
    state.lists[role] = state.lists[role].concat(page.sessions);
    state.next[role] = page.nextCursor;
    state.more[role] = null;
  } catch (err) {
    if (handleAuthLoss(err)) return;
    state.more[role] = err;
  }
  if (state.view !== 'home') return;
  render();
  // Focus moves to the first session of the new page, or stays on the button to retry.
  const first = state.lists[role][shown];
  const target = state.more[role]
    ? document.querySelector(`[data-list="${role}"] .more-button`)
    : first && document.querySelector(`[data-list="${role}"] .session[data-session-id="${first.id}"]`);
  if (target) {
    if (!target.matches('button')) target.tabIndex = -1;
    target.focus();
  }
}

async function loadCatalog() {
  try {
    state.catalog = await api(`/api/coaches/${BOOKING_COACH_ID}/announcements`);
    state.catalogError = null;
  } catch (err) {
    state.catalogError = err;
  }
  if (state.view === 'home') render();
}

async function join(session, button) {
  button.disabled = true;
  delete state.alerts[session.id];
  try {
    const token = await api(`/reservations/${session.id}/daily-token`);
    const onClosed = async () => {
      await loadLists();
      // The list was redrawn: give focus back to this session's Join button.
      const again = document.querySelector(`.session[data-session-id="${session.id}"] button.join`);
      (again && !again.disabled ? again : main()).focus();
    };
    openCall(token, { lang: getLocale(), onClosed });
  } catch (err) {
    if (handleAuthLoss(err)) return;
    state.alerts[session.id] = apiMessage(err);
    render();
  } finally {
    button.disabled = joinState(session, Date.now()).kind !== 'open';
  }
}

/** Asks for confirmation in a modal dialog, then cancels the reservation. */
function askCancel(session, button) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-text').textContent = t('cancel.text', {
    name: session.counterpart.name,
    date: formatDate(session.startDate),
    time: formatTime(session.startDate),
  });
  dialog.returnValue = '';
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'cancel') {
      button.focus();
      return;
    }
    try {
      const cancelled = await api(`/reservations/${session.id}/cancel`, { method: 'POST' });
      // Marked in place: the lists leave cancelled sessions out, and a reload would both hide
      // this one and drop the pages loaded so far.
      session.status = cancelled.status;
      state.alerts[session.id] = t('cancel.done');
      render();
    } catch (err) {
      if (handleAuthLoss(err)) return;
      state.alerts[session.id] = apiMessage(err);
      await loadLists();
    }
  }, { once: true });
  dialog.showModal();
}

async function book(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const submit = form.querySelector('button[type=submit]');
  const offer = state.catalog.announcements.find((a) => a.id === form.offer.value);
  const start = new Date(`${form.date.value}T${form.time.value}`);
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = {
    announcementId: offer.id,
    coachId: state.catalog.coachId,
    startDate: iso(start),
    endDate: iso(new Date(start.getTime() + offer.durationMinutes * 60_000)),
  };
  submit.disabled = true;
  submit.textContent = t('book.submitting');
  try {
    let created;
    let done = 'book.done';
    if (offer.packSize) {
      // A pack offer: a session of the player's pack of it that has one left, or a new pack.
      const slot = { startDate: body.startDate, endDate: body.endDate };
      const usable = (p) => p.announcementId === offer.id && p.status === 'active' && p.remaining > 0
        && Date.parse(p.expiresAt) >= Date.parse(slot.endDate);
      const pack = state.packs.player.find(usable);
      if (pack) {
        created = await api(`/packs/${pack.id}/sessions`, { method: 'POST', body: slot });
        done = 'book.packDone';
      } else {
        const bought = await api('/packs', { method: 'POST', body: { announcementId: offer.id, coachId: body.coachId, sessions: [slot] } });
        [created] = bought.sessions;
      }
    } else {
      created = await api('/reservations', { method: 'POST', body });
    }
    state.bookingMessage = { ok: true, text: t(done, { title: offer.title, date: formatDate(created.startDate), time: formatTime(created.startDate) }) };
    state.draft = null;
    await loadLists();
  } catch (err) {
    if (handleAuthLoss(err)) return;
    state.bookingMessage = { ok: false, text: apiMessage(err) };
    render();
  }
}

async function devSignIn(userId) {
  try {
    await api('/dev/login', { method: 'POST', body: { userId } });
  } catch {
    /* boot() shows whatever state results */
  }
  await boot();
}

/** Signs out; if that fails, the user stays signed in, as they were, and can try again. */
async function signOut() {
  const button = document.getElementById('sign-out');
  button.disabled = true;
  try {
    await api('/dev/logout', { method: 'POST' });
  } catch (err) {
    // The session cookie was not cleared: nothing changes on the page but the message.
    state.signOutError = err;
    applyStaticTexts();
    button.disabled = false;
    button.focus();
    return;
  }
  button.disabled = false;
  await boot();
}

/** Keeps every join button and countdown in step with the clock. */
function tick() {
  if (state.view !== 'home') return;
  const now = Date.now();
  for (const role of ['coach', 'player']) {
    for (const session of state.lists[role] ?? []) {
      const item = document.querySelector(`.session[data-session-id="${session.id}"][data-role="${role}"]`);
      if (!item) continue;
      const js = joinState(session, now);
      noteJoinKind(session, js.kind);
      if (item.dataset.state !== js.kind) {
        item.dataset.state = js.kind;
        const button = item.querySelector('button.join');
        if (button && !document.getElementById('call-dialog').open) button.disabled = js.kind !== 'open';
      }
      const text = item.querySelector('.join-state');
      const next = joinText(js);
      if (text.textContent !== next) text.textContent = next;
    }
  }
  announcePending();
}

async function boot() {
  state.view = 'loading';
  state.me = null;
  state.lists = { coach: null, player: null };
  state.bookingMessage = null;
  state.draft = null;
  state.alerts = {};
  state.signOutError = null;
  state.joinKinds.clear();
  document.getElementById('announcer').textContent = '';
  render();
  try {
    state.config = await api('/api/config');
  } catch {
    state.view = 'fatal';
    render();
    return;
  }
  try {
    state.me = await api('/api/me');
  } catch (err) {
    if (err.status !== 401) {
      state.view = 'fatal';
      render();
      return;
    }
    state.devUsers = state.config.devLogin ? (await api('/dev/users').catch(() => ({ users: [] }))).users : [];
    if (!savedLocale()) setLocale('fr');
    state.view = 'signedOut';
    render();
    return;
  }
  setLocale(savedLocale() ?? state.me.locale);
  state.view = 'home';
  render();
  await Promise.all([loadLists(), bookingFormShown() ? loadCatalog() : null]);
  showLinkedSession();
}

/**
 * The session a link from an e-mail names (`/?session=<id>`): marked, scrolled to, and its Join
 * button focused when it is open (else the session itself), so joining is one key or click away.
 */
function showLinkedSession() {
  const id = new URLSearchParams(window.location.search).get('session');
  if (!id) return;
  const item = [...document.querySelectorAll('.session')].find((el) => el.dataset.sessionId === id);
  if (!item) {
    document.getElementById('announcer').textContent = t('session.linkedMissing');
    main().prepend(h('p', { class: 'notice linked-missing', role: 'status', text: t('session.linkedMissing') }));
    return;
  }
  item.classList.add('linked');
  item.scrollIntoView({ block: 'center' });
  const button = item.querySelector('button.join');
  if (button && !button.disabled) {
    button.focus();
  } else {
    item.tabIndex = -1;
    item.focus();
  }
}

document.getElementById('lang-switch').addEventListener('change', (e) => {
  const next = LOCALES.includes(e.target.value) ? e.target.value : 'fr';
  setLocale(next);
  saveLocale(next);
  render();
});
document.getElementById('sign-out').addEventListener('click', signOut);
setLocale(savedLocale() ?? 'fr');
setInterval(tick, TICK_MS);
boot();
