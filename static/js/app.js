// Every page: the service worker, the sync status, sending the outbox, and the offline
// behaviour of the record-visit form. Without JavaScript the app works online as plain forms.
import { briefOf, refreshBriefs } from './caseload.js';
import { keepDrafts } from './drafts.js';
import { fillShellPages } from './offline-pages.js';
import { saveToOutbox, waitingOf } from './outbox.js';
import { currentUserId } from './store.js';
import { protectStorage } from './storage.js';
import { refreshStatus, showStatus } from './status.js';
import { askForBackgroundSync, startSyncing, syncNow, whoAmI } from './sync.js';
import { offlineProblems, visitItems } from './visit-items.js';

const NOTICE_KEY = 'dailylife-notice';
const signedInPage = () => Boolean(document.querySelector('form.sign-out'));
const childIdInPath = () => window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})/)?.[1];

// "now" as a datetime-local input wants it: the device's wall clock, to the minute.
function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

function showNotice() {
  const text = sessionStorage.getItem(NOTICE_KEY);
  if (!text) return;
  sessionStorage.removeItem(NOTICE_KEY);
  const notice = Object.assign(document.createElement('p'), { className: 'flash', role: 'status', textContent: text });
  document.querySelector('main').prepend(notice);
}

function showProblems(form, problems) {
  form.querySelectorAll('[data-offline-error]').forEach((element) => element.remove());
  for (const [name, message] of problems) {
    const field = form.querySelector(`[data-field="${name}"]`);
    const error = Object.assign(document.createElement('p'), { className: 'error-message', textContent: message });
    error.dataset.offlineError = '';
    field?.append(error);
  }
  form.querySelector('[data-offline-error]')?.scrollIntoView({ block: 'center' });
}

async function recordVisitOnDevice(form) {
  const childId = form.dataset.child || childIdInPath();
  const userId = await currentUserId();
  if (!userId) return;
  const nameSlot = document.querySelector('[data-child-name]');
  if (!form.dataset.child && nameSlot) nameSlot.textContent = (await briefOf(childId))?.known_as ?? 'this child';
  const when = form.elements.occurred_at;
  if (!when.value) when.value = localNow();
  const draftKey = await keepDrafts(form, childId);
  form.addEventListener('submit', async (event) => {
    if (event.submitter?.name !== 'save') return;
    event.preventDefault();
    const problems = offlineProblems(form);
    if (problems.length) {
      showProblems(form, problems);
      return;
    }
    const items = visitItems(form, childId);
    await saveToOutbox(userId, items, draftKey);
    sessionStorage.setItem(NOTICE_KEY, `Visit saved on this tablet (${items.length} entries). It is sent as soon as there is a connection.`);
    await protectStorage();
    await askForBackgroundSync();
    await syncNow();
    window.location.assign(`/cases/${childId}`);
  });
}

async function warnBeforeSigningOut(form) {
  const userId = await currentUserId();
  form.addEventListener('submit', async (event) => {
    if (form.dataset.confirmed) return;
    event.preventDefault();
    const waiting = userId ? (await waitingOf(userId)).length : 0;
    if (waiting === 0 || window.confirm(`${waiting} entries have not reached the server yet. They stay safely on this tablet and are sent when you sign in again. Sign out now?`)) {
      form.dataset.confirmed = 'yes';
      form.requestSubmit();
    }
  });
}

async function start() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
  showNotice();
  if (signedInPage()) {
    try {
      const me = await whoAmI();
      await refreshBriefs(me.id);
    } catch {
      // Offline or signed out: the device's copy stands in, and sync retries later.
    }
  }
  await showStatus();
  const visitForm = document.querySelector('form[data-draft="visit"]');
  if (visitForm) await recordVisitOnDevice(visitForm);
  const signOut = document.querySelector('form.sign-out');
  if (signOut) await warnBeforeSigningOut(signOut);
  await fillShellPages();
  await startSyncing();
  await refreshStatus();
}

start();
