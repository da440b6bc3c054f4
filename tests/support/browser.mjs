// Debian's Chromium, driven by playwright-core (the machines cannot download Playwright's own).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './paths.mjs';
import { sessionToken } from './jwt.mjs';

export const SCREENSHOTS = path.join(ROOT, 'target/screenshots');

export async function launchBrowser() {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
  });
}

/**
 * A page in a fresh context (French, Paris time unless told otherwise), signed in as `user`
 * through the session cookie when a user is given. CSP violations are collected.
 * With `clockAt` (ms since the epoch), the page's clock stands still at that instant from the
 * first script on, and moves only with `page.clock.runFor` / `fastForward` (Playwright's clock;
 * the Worker keeps the real time).
 */
export async function openPage(browser, worker, { user, locale = 'fr-FR', timezoneId = 'Europe/Paris', viewport, clockAt } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: viewport ?? { width: 1100, height: 800 } });
  if (user) {
    await context.addCookies([{ name: 'edgemy_session', value: sessionToken(user), url: worker.url, httpOnly: true, sameSite: 'Lax' }]);
  }
  const page = await context.newPage();
  if (clockAt !== undefined) {
    // Installed an hour early and then paused at `clockAt`: an installed clock runs until it is
    // paused, and pausing at an instant it has already passed is an error.
    await page.clock.install({ time: clockAt - 3_600_000 });
    await page.clock.pauseAt(clockAt);
  }
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { context, page, problems };
}

/** What makes an element part of a live region (whose changes screen readers read out). */
const LIVE_REGION = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"], output';

/** The live region around `locator`'s element, as HTML, or null when it is in none. */
export const liveRegionAround = (locator) =>
  locator.evaluate((el, selector) => el.closest(selector)?.outerHTML ?? null, LIVE_REGION);

/**
 * Starts recording every change inside a live region of `page`; returns a function that gives
 * the texts those regions had after each change since the last call (and forgets them).
 */
export async function watchLiveRegions(page) {
  await page.evaluate((selector) => {
    window.__liveChanges = [];
    new MutationObserver((records) => {
      const regions = new Set();
      for (const record of records) {
        const node = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
        const region = node?.closest(selector);
        if (region) regions.add(region);
      }
      for (const region of regions) window.__liveChanges.push(region.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, LIVE_REGION);
  return () => page.evaluate(() => window.__liveChanges.splice(0));
}

/** Polls `fn` until it returns a truthy value or `timeout` ms pass; returns that value. */
export async function eventually(fn, { timeout = 10_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** HH:MM of an ISO instant in a time zone, as the page shows it in French. */
export function hhmm(iso, timeZone = 'Europe/Paris') {
  return new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso));
}
