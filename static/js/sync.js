// Sending the outbox: on page load, on the `online` event, on a back-off timer while items
// wait (a server outage fires no event), from "Send now", and by Background Sync where the
// browser has it (iPadOS Safari has none, so nothing relies on it).
import { imageCounts, sendImages } from './media.js';
import { countsOf, settle, waitingOf } from './outbox.js';
import { currentUserId, deviceId, setMeta } from './store.js';

const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;

let retryTimer;
let failures = 0;
const listeners = new Set();

export const onSyncChange = (listener) => listeners.add(listener);
const tell = (state) => listeners.forEach((listener) => listener(state));

class SignedOut extends Error {}

// Who is signed in, and a fresh CSRF token for their session (cached pages carry none).
export async function whoAmI() {
  const response = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(`me answered ${response.status}`);
  const me = await response.json();
  await setMeta('currentUser', me.id);
  await setMeta('lockSeconds', me.offline_lock_seconds);
  await setMeta('stuckHours', me.stuck_hours);
  return me;
}

async function sendBatch(me, batch) {
  const response = await fetch('/api/v1/sync', {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': me.csrf_token },
    body: JSON.stringify({ device_id: await deviceId(), items: batch.map((record) => record.item) }),
  });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(`sync answered ${response.status}`);
  const { results } = await response.json();
  await settle(results);
}

async function sendAll() {
  const me = await whoAmI();
  // Only the signed-in user's own items are ever sent: a shared tablet keeps outboxes apart.
  for (;;) {
    const waiting = await waitingOf(me.id);
    if (waiting.length === 0) break;
    await sendBatch(me, waiting.slice(0, me.sync_max_items));
  }
  await sendImages(me, () => new SignedOut());
}

// Entries and images still to send: while there are any, failures are retried.
async function stillWaiting(userId) {
  return (await countsOf(userId)).waiting + (await imageCounts(userId)).waiting;
}

// After the first failure wait FIRST_RETRY_MS, then twice as long each time (jittered).
function scheduleRetry() {
  clearTimeout(retryTimer);
  const delay = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
  retryTimer = setTimeout(syncNow, delay);
  return delay;
}

async function attempt() {
  try {
    await sendAll();
    failures = 0;
    await setMeta('lastSyncAt', Date.now());
    tell({ state: 'synced' });
  } catch (error) {
    if (error instanceof SignedOut) {
      tell({ state: 'signed-out' });
      return;
    }
    failures += 1;
    const userId = await currentUserId();
    if (userId && (await stillWaiting(userId)) > 0) {
      tell({ state: 'retrying', inMs: scheduleRetry() });
    } else {
      tell({ state: 'offline' });
    }
  }
}

let again = false;

// One sync at a time across every tab of this browser; the server's idempotency covers the rest.
// A request that comes while a try is under way (the `online` event during a try that hangs on
// a weak signal) is not dropped: that try goes round once more, rather than wait for back-off.
export function syncNow() {
  tell({ state: 'syncing' });
  if (navigator.locks) {
    return navigator.locks.request('dailylife-sync', { ifAvailable: true }, async (lock) => {
      if (!lock) {
        again = true;
        return;
      }
      do {
        again = false;
        await attempt();
      } while (again);
    });
  }
  return attempt();
}

export function startSyncing() {
  window.addEventListener('online', syncNow);
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'sync') syncNow();
  });
  return syncNow();
}

export async function askForBackgroundSync() {
  const registration = await navigator.serviceWorker?.ready;
  await registration?.sync?.register('dailylife-outbox').catch(() => {});
}
