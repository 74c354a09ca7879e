// The sync status, always visible: online or not, how many entries wait, when the last sync
// succeeded, and which items were refused and need the practitioner.
import { imageCounts } from './media.js';
import { countsOf } from './outbox.js';
import { stuckBefore } from './rescue.js';
import { currentUserId, getMeta } from './store.js';
import { onSyncChange } from './sync.js';

const REFRESH_MS = 5_000;
let lastState = null;

const entries = (count) => `${count} ${count === 1 ? 'entry' : 'entries'}`;
const images = (count) => `${count} ${count === 1 ? 'image' : 'images'}`;

function since(timestamp) {
  if (!timestamp) return 'never';
  return new Date(timestamp).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

function describe({ online, waiting, imagesWaiting, rejected, imagesRejected, stuck, lastSyncAt, state, warning }) {
  const parts = [online ? 'Online' : 'Offline'];
  const unsent = [waiting && entries(waiting), imagesWaiting && images(imagesWaiting)].filter(Boolean);
  parts.push(unsent.length ? `${unsent.join(' and ')} waiting to send` : 'Nothing waiting');
  parts.push(`last sent ${since(lastSyncAt)}`);
  if (state === 'signed-out') parts.push('sign in again to send');
  if (state === 'retrying') parts.push('will try again shortly');
  if (warning) parts.push(warning);
  const needing = [rejected && entries(rejected), imagesRejected && images(imagesRejected)].filter(Boolean);
  const refused = needing.length ? `${needing.join(' and ')} need${rejected + imagesRejected === 1 ? 's' : ''} your attention` : '';
  const late = stuck ? `${stuck === 1 ? '1 item has' : `${stuck} items have`} waited too long: export for your team manager` : '';
  const attention = [refused, late].filter(Boolean).join(' · ');
  return { text: parts.join(' · '), attention };
}

export async function refreshStatus(extra = {}) {
  const element = document.getElementById('sync-status');
  if (!element) return;
  lastState = extra.state ?? lastState;
  const userId = await currentUserId();
  const before = await stuckBefore();
  const entries = await countsOf(userId, before);
  const pictures = await imageCounts(userId, before);
  const summary = describe({
    online: navigator.onLine,
    waiting: entries.waiting,
    imagesWaiting: pictures.waiting,
    rejected: entries.rejected,
    imagesRejected: pictures.rejected,
    stuck: entries.stuck + pictures.stuck,
    lastSyncAt: await getMeta('lastSyncAt'),
    state: lastState,
    warning: await getMeta('storageWarning'),
  });
  element.dataset.waiting = String(entries.waiting);
  element.dataset.imagesWaiting = String(pictures.waiting);
  show(element, summary);
  element.hidden = false;
}

// The status is a live region refreshed every few seconds: it is rebuilt only when what it says
// changes, so a screen reader is not told the same thing again and a finger on the link does
// not lose it mid-tap.
function show(element, { text, attention }) {
  const said = `${text}\n${attention}`;
  if (element.dataset.said === said) return;
  element.dataset.said = said;
  element.replaceChildren(Object.assign(document.createElement('span'), { textContent: text }));
  if (attention) {
    const link = Object.assign(document.createElement('a'), {
      href: '/outbox', className: 'needs-attention', textContent: attention,
    });
    element.append(' · ', link);
  }
}

export function showStatus() {
  onSyncChange((state) => refreshStatus(state));
  window.addEventListener('online', () => refreshStatus());
  window.addEventListener('offline', () => refreshStatus());
  setInterval(() => { if (document.visibilityState === 'visible') refreshStatus(); }, REFRESH_MS);
  return refreshStatus();
}
