// The sync status, always visible: online or not, how many entries wait, when the last sync
// succeeded, and which items were refused and need the practitioner.
import { itemsOf } from './outbox.js';
import { currentUserId, getMeta } from './store.js';
import { onSyncChange } from './sync.js';

const REFRESH_MS = 5_000;
let lastState = null;

const entries = (count) => `${count} ${count === 1 ? 'entry' : 'entries'}`;

function since(timestamp) {
  if (!timestamp) return 'never';
  return new Date(timestamp).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

function describe({ online, waiting, rejected, lastSyncAt, state, warning }) {
  const parts = [online ? 'Online' : 'Offline'];
  parts.push(waiting ? `${entries(waiting)} waiting to send` : 'Nothing waiting');
  parts.push(`last sent ${since(lastSyncAt)}`);
  if (state === 'signed-out') parts.push('sign in again to send');
  if (state === 'retrying') parts.push('will try again shortly');
  if (warning) parts.push(warning);
  return { text: parts.join(' · '), rejected };
}

export async function refreshStatus(extra = {}) {
  const element = document.getElementById('sync-status');
  if (!element) return;
  lastState = extra.state ?? lastState;
  const userId = await currentUserId();
  const items = userId ? await itemsOf(userId) : [];
  const summary = describe({
    online: navigator.onLine,
    waiting: items.filter((record) => record.status === 'waiting').length,
    rejected: items.filter((record) => record.status === 'rejected').length,
    lastSyncAt: await getMeta('lastSyncAt'),
    state: lastState,
    warning: await getMeta('storageWarning'),
  });
  element.replaceChildren(Object.assign(document.createElement('span'), { textContent: summary.text }));
  element.dataset.waiting = String(items.filter((record) => record.status === 'waiting').length);
  if (summary.rejected) {
    const link = Object.assign(document.createElement('a'), {
      href: '/outbox', className: 'needs-attention',
      textContent: `${entries(summary.rejected)} need${summary.rejected === 1 ? 's' : ''} your attention`,
    });
    element.append(' · ', link);
  }
  element.hidden = false;
}

export function showStatus() {
  onSyncChange((state) => refreshStatus(state));
  window.addEventListener('online', () => refreshStatus());
  window.addEventListener('offline', () => refreshStatus());
  setInterval(() => { if (document.visibilityState === 'visible') refreshStatus(); }, REFRESH_MS);
  return refreshStatus();
}
