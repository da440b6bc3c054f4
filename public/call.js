// The call dialog: opens a session's room in a modal <dialog>, through Daily Prebuilt
// (daily-js, served from our own assets) or, with the local Daily stand-in, its room page.
// The meeting token lives only in memory and in the frame's address, as daily-js does it.
import { t } from './i18n.js';

/** How long the frame may take to report that the call started before a new tab is offered. */
const CONNECT_TIMEOUT_MS = 12_000;
const DAILY_JS = '/vendor/daily-js/daily-esm.js';

const $ = (id) => document.getElementById(id);

let current = null;

function setStatus(text) {
  const status = $('call-status');
  status.textContent = text;
  status.hidden = !text;
}

function joined(call) {
  if (call.done) return;
  call.joined = true;
  clearTimeout(call.fallbackTimer);
  $('call-fallback').hidden = true;
  $('call-dialog').dataset.state = 'joined';
  setStatus('');
}

function fail(call, type) {
  if (call.done || call.failed) return;
  call.failed = true;
  clearTimeout(call.fallbackTimer);
  call.teardown();
  $('call-dialog').dataset.state = 'error';
  $('call-dialog').dataset.error = type;
  setStatus('');
  $('call-fallback').hidden = true;
  const known = `error.${type}`;
  $('call-error-text').textContent = t(known) === known ? t('error.unknown') : t(known);
  $('call-error').hidden = false;
  $('call-back').focus();
}

function finish(call) {
  if (call.done) return;
  call.done = true;
  clearTimeout(call.fallbackTimer);
  call.teardown();
  const dialog = $('call-dialog');
  dialog.removeEventListener('cancel', call.onCancel);
  $('call-leave').removeEventListener('click', call.onLeave);
  $('call-back').removeEventListener('click', call.onBack);
  if (dialog.open) dialog.close();
  delete dialog.dataset.state;
  delete dialog.dataset.error;
  current = null;
  call.returnFocus?.focus();
  call.onClosed();
}

async function startPrebuilt(call, session, lang) {
  let Daily;
  try {
    ({ default: Daily } = await import(DAILY_JS));
  } catch {
    fail(call, 'connection-error');
    return;
  }
  if (call.done) return;
  const frame = Daily.createFrame($('call-frame'), {
    url: session.roomUrl,
    token: session.token,
    lang,
    showLeaveButton: true,
    showFullscreenButton: true,
    iframeStyle: { width: '100%', height: '100%', border: '0' },
  });
  call.teardown = () => {
    frame.destroy().catch(() => {});
  };
  call.leave = async () => {
    try {
      await frame.leave();
    } catch {
      /* already gone */
    }
    finish(call);
  };
  frame.on('joined-meeting', () => joined(call));
  frame.on('left-meeting', () => finish(call));
  frame.on('error', (e) => fail(call, e?.error?.type ?? 'connection-error'));
  frame.join().catch(() => fail(call, 'connection-error'));
}

function startStandin(call, session) {
  const iframe = document.createElement('iframe');
  iframe.title = t('call.title');
  iframe.allow = 'camera; microphone; autoplay; display-capture; fullscreen';
  iframe.src = `${session.roomUrl}?t=${encodeURIComponent(session.token)}`;
  const origin = new URL(session.roomUrl).origin;
  const onMessage = (event) => {
    if (event.origin !== origin || event.source !== iframe.contentWindow) return;
    const data = event.data;
    if (!data || data.source !== 'daily-standin') return;
    if (data.action === 'joined-meeting') joined(call);
    else if (data.action === 'left-meeting') finish(call);
    else if (data.action === 'error') fail(call, data.error?.type ?? 'connection-error');
  };
  window.addEventListener('message', onMessage);
  call.teardown = () => {
    window.removeEventListener('message', onMessage);
    iframe.remove();
  };
  call.leave = async () => finish(call);
  $('call-frame').append(iframe);
}

/**
 * Opens the call of `session` (the daily-token answer). `onClosed` runs once the dialog is
 * closed, whatever the way: leaving, Escape, an error acknowledged, or the call ending.
 */
export function openCall(session, { lang, onClosed }) {
  if (current) finish(current);
  const dialog = $('call-dialog');
  $('call-frame').replaceChildren();
  $('call-error').hidden = true;
  $('call-fallback').hidden = true;
  const newTab = $('call-new-tab');
  newTab.href = `${session.roomUrl}?t=${encodeURIComponent(session.token)}`;
  setStatus(t('call.connecting'));
  dialog.dataset.state = 'connecting';
  dialog.dataset.embed = session.embed;

  const call = {
    done: false,
    joined: false,
    failed: false,
    returnFocus: document.activeElement,
    onClosed,
    teardown: () => {},
    leave: async () => finish(call),
  };
  call.onCancel = (event) => {
    event.preventDefault();
    call.leave();
  };
  call.onLeave = () => call.leave();
  call.onBack = () => finish(call);
  dialog.addEventListener('cancel', call.onCancel);
  $('call-leave').addEventListener('click', call.onLeave);
  $('call-back').addEventListener('click', call.onBack);
  call.fallbackTimer = setTimeout(() => {
    if (!call.joined && !call.failed && !call.done) $('call-fallback').hidden = false;
  }, CONNECT_TIMEOUT_MS);

  current = call;
  dialog.showModal();
  if (session.embed === 'daily-prebuilt') startPrebuilt(call, session, lang);
  else startStandin(call, session);
}
