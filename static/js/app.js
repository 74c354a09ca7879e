// Every page: the service worker, the sync status, sending the outbox, and the offline
// behaviour of the record-visit form. Without JavaScript the app works online as plain forms.
import { briefOf, refreshBriefs } from './caseload.js';
import { keepDrafts } from './drafts.js';
import { ChosenImages } from './media.js';
import { fillShellPages } from './offline-pages.js';
import { holdsNothing, leaveDevice, unlockDevice, unsentCounts, unsentWords } from './device.js';
import { keepUnsentKey } from './rescue.js';
import { itemsOf, recordsOf, saveToOutbox } from './outbox.js';
import { ensureRowOf } from './rows.js';
import { asksAlsoFor, offerSiblings } from './siblings.js';
import { asksAboutSafetyPlan, offerConditions } from './safety-plan.js';
import { currentUserId } from './store.js';
import { protectStorage } from './storage.js';
import { refreshStatus, showStatus } from './status.js';
import { askForBackgroundSync, startSyncing, syncNow, whoAmI } from './sync.js';
import { amendmentItem, localInput, placedIn, putAnswers, singleItem, snapshotAnswers, visitItems } from './items.js';
import { showErrors } from './form-errors.js';
import { followApplicability, problemsOf, showApplicableQuestions } from './form-rules.js';
import { publishedRules } from './rules.js';

const NOTICE_KEY = 'dailylife-notice';
const signedInPage = () => Boolean(document.querySelector('form.sign-out'));
const childIdInPath = () => window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})/)?.[1];

function showNotice() {
  const text = sessionStorage.getItem(NOTICE_KEY);
  if (!text) return;
  sessionStorage.removeItem(NOTICE_KEY);
  const notice = Object.assign(document.createElement('p'), { className: 'flash', role: 'status', textContent: text });
  document.querySelector('main').prepend(notice);
}

// The server's reasons for what it refused, at the fields they are about. A refused visit makes
// its parts refused too ("visit_id"): the visit's own reasons say why.
function refusalsOf(form, records) {
  const visitRefused = records.some((record) => record.item.kind === 'visit');
  const errors = {};
  for (const record of records) {
    for (const [key, messages] of Object.entries(record.errors ?? {})) {
      if (visitRefused && key === 'visit_id') continue;
      const prefixed = (record.prefix ?? '') + key;
      errors[form.querySelector(`[data-field="${CSS.escape(prefixed)}"]`) ? prefixed : key] = messages;
    }
  }
  return errors;
}

// Online, the server answers at once: show a refusal at the fields, as a plain form post would.
async function refusalsShown(form, ids) {
  const refused = (await recordsOf(ids)).filter((record) => record && record.status !== 'waiting');
  showErrors(form, refusalsOf(form, refused));
  return refused.map((record) => record.id);
}

// A corrected save keeps the ids of what it corrects (matched by where each item sits in the
// form): what the server already took answers "duplicate" and is never recorded twice, the
// corrected parts still belong to the same visit, and a part of a visit corrected on its own
// page still belongs to its visit.
function reuseIds(items, earlier) {
  const slot = (item) => item.prefix ?? '';
  const before = new Map(earlier.map((item) => [slot(item), item]));
  const ids = new Map(items.map((item) => [item.id, before.get(slot(item))?.id ?? item.id]));
  const mapped = (id) => ids.get(id) ?? id;
  return items.map((item) => ({
    ...item, id: mapped(item.id), visit_id: mapped(item.visit_id) ?? before.get(slot(item))?.visit_id ?? null,
  }));
}

// "Correct it" on the Waiting to send page opens the form with ?correct=<id>: the refused entry,
// or a visit with its parts, as they were saved.
async function toCorrect(userId) {
  const id = new URLSearchParams(window.location.search).get('correct');
  if (!id) return [];
  return (await itemsOf(userId)).filter((record) => record.id === id || record.item.visit_id === id);
}

// Refused entries back in the form they came from (rows made as needed), with the server's
// reasons at their fields and in the error summary.
function reopen(form, records) {
  for (const { item, prefix } of records) {
    ensureRowOf(prefix ?? '');
    putAnswers(form, placedIn(form, prefix), item.data);
  }
  const when = form.elements.occurred_at;
  if (when && records[0].item.occurred_at) when.value = localInput(records[0].item.occurred_at);
  showApplicableQuestions(form);
  showErrors(form, refusalsOf(form, records));
}

// What became of a save, as it really is: sent at once, or kept on the tablet until it can be.
function savedWords(saved, kept) {
  const entries = (count) => `${count} ${count === 1 ? 'entry' : 'entries'}`;
  if (kept === 0) return `Sent (${entries(saved)}).`;
  const when = 'sent as soon as there is a connection.';
  if (kept === saved) return `Saved on this tablet (${entries(saved)}). ${saved === 1 ? 'It is' : 'They are'} ${when}`;
  return `Sent ${saved - kept} of ${entries(saved)}; the other ${kept} ${kept === 1 ? 'is' : 'are'} saved on this tablet and ${when}`;
}

// Save into the outbox, then try to send at once; the device keeps it whatever happens next.
// `refused`: the outbox records this form corrects; the save takes their place (and their ids).
async function saveOnDevice(form, childId, userId, makeItems, images, { draftKey = null, refused = [] } = {}) {
  let replaced = refused.map((record) => record.id);
  let earlier = refused.map((record) => ({ ...record.item, prefix: placedIn(form, record.prefix) }));
  form.addEventListener('submit', async (event) => {
    if (event.submitter?.name !== 'save') return;
    event.preventDefault();
    showApplicableQuestions(form); // answers may have been set by script (a restored draft)
    const items = reuseIds(makeItems(), earlier);
    const problems = await problemsOf(form, items);
    if (Object.keys(problems).length) {
      showErrors(form, problems);
      return;
    }
    await saveToOutbox(userId, items, draftKey, await images.recordsFor(userId, items), replaced);
    form.dispatchEvent(new Event('outbox:saved')); // its draft is gone: nothing may bring it back
    await protectStorage();
    await askForBackgroundSync();
    await syncNow();
    replaced = await refusalsShown(form, items.map((item) => item.id));
    earlier = items;
    if (replaced.length) return;
    sessionStorage.setItem(NOTICE_KEY, savedWords(items.length, (await recordsOf(items.map((item) => item.id))).filter(Boolean).length));
    window.location.assign(`/cases/${childId}`);
  });
}

// The offline visit form is the same for every child: the brief names the child, and says
// whether the baby is born yet (before birth the visit asks whether the expectant parent was seen).
function fitToBrief(form, brief) {
  const nameSlot = document.querySelector('[data-child-name]');
  if (nameSlot) nameSlot.textContent = brief?.known_as ?? 'this child';
  if (form.elements.unborn) form.elements.unborn.checked = brief?.unborn === true;
  showApplicableQuestions(form);
}

async function recordVisitOnDevice(form, childId, userId, refused) {
  if (!form.dataset.child) fitToBrief(form, await briefOf(childId));
  const when = form.elements.occurred_at;
  if (!when.value) when.value = localInput(Date.now());
  const images = new ChosenImages(form);
  const draftKey = await keepDrafts(form, childId, images, () => {
    sessionStorage.setItem(NOTICE_KEY, 'Kept as a draft on this tablet: “Record a visit” offers to resume it.');
    window.location.assign(`/cases/${childId}`);
  });
  await saveOnDevice(form, childId, userId, () => visitItems(form, childId), images, { draftKey, refused });
}

async function recordingForm(form, userId, refused) {
  const childId = form.dataset.child || childIdInPath();
  // The offline form names nobody: its brothers and sisters and the conditions of the safety
  // plan come from the brief, before any refused entry or draft is put back in it.
  if (!form.dataset.child && (asksAlsoFor(form) || asksAboutSafetyPlan(form))) {
    const brief = await briefOf(childId);
    offerSiblings(form, brief);
    offerConditions(form, brief);
  }
  const before = snapshotAnswers(form); // a correction sends only what differs from the page as shown
  if (refused.length) reopen(form, refused);
  if (form.dataset.draft === 'visit') {
    await recordVisitOnDevice(form, childId, userId, refused);
  } else if (form.dataset.outbox === 'amendment') {
    await saveOnDevice(form, childId, userId, () => amendmentItem(form, childId, form.dataset.amends, before), new ChosenImages(form), { refused });
  } else {
    await saveOnDevice(form, childId, userId, () => singleItem(form, childId, form.dataset.outbox), new ChosenImages(form), { refused });
  }
}

// Most pages have one recording form; the child's page has a check form for each report it
// lists. A refused correction reopens in the form of the entry it corrects.
async function recordingForms() {
  const userId = await currentUserId();
  const forms = [...document.querySelectorAll('form[data-draft="visit"], form[data-outbox]')];
  if (!forms.length || !userId) return;
  publishedRules(); // read now, while the page may still have a connection
  const refused = await toCorrect(userId);
  const correcting = (form) => refused.filter((record) => !form.dataset.amends || record.item.amends_id === form.dataset.amends);
  await Promise.all(forms.map((form) => recordingForm(form, userId, correcting(form))));
}

// What signing out does to what is unsent, truly: saved entries and images are sent at the
// next sign-in; a draft never is, it waits here to be finished and saved.
async function signOutWarning(userId, unsent) {
  const { entries, images, drafts } = await unsentCounts(userId);
  const fates = [
    (entries || images) && 'What you saved is sent when you sign in again.',
    drafts && `${drafts === 1 ? 'A draft is' : 'Drafts are'} never sent: sign in again on this tablet to finish and save ${drafts === 1 ? 'it' : 'them'}.`,
  ].filter(Boolean).join(' ');
  const one = /^1 \w+$/.test(unsent);
  return `${unsent} ${one ? 'has' : 'have'} not reached the server yet. ${one ? 'It stays' : 'They stay'} on this tablet, locked by your offline passphrase. ${fates} Sign out now?`;
}

// Attached before anything waits on the network: a slow connection must not let "Sign out"
// through unwarned while entries wait.
// With nothing unsent, signing out removes everything of the user from the tablet; otherwise
// it asks, and what is unsent stays, sealed, for when they sign in again.
function warnBeforeSigningOut(form) {
  form.addEventListener('submit', async (event) => {
    if (form.dataset.confirmed) return;
    event.preventDefault();
    const userId = await currentUserId();
    const unsent = userId ? await unsentWords(userId) : '';
    if (!unsent || window.confirm(await signOutWarning(userId, unsent))) {
      if (userId) await leaveDevice(userId);
      form.dataset.confirmed = 'yes';
      form.requestSubmit();
    }
  });
}

// A page with the user's data (signed in, or an offline shell page) opens only unlocked; child
// mode's refusal holds none.
async function unlocked(me) {
  const userId = me?.id ?? await currentUserId();
  const refusal = document.documentElement.hasAttribute('data-child-mode-refused');
  const mayHoldData = !refusal && (signedInPage() || document.querySelector('[data-shell]'));
  // The server says who keeps nothing here (access.keeps_case_data_on_device).
  if (!userId || !mayHoldData || me?.keeps_case_data === false) {
    holdsNothing();
    return false;
  }
  await unlockDevice(userId);
  return true;
}

async function start() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
  showNotice();
  document.querySelectorAll('form:has(.field[data-applies-if])').forEach(followApplicability);
  const signOut = document.querySelector('form.sign-out');
  if (signOut) warnBeforeSigningOut(signOut);
  let me = null;
  if (signedInPage()) {
    try {
      me = await whoAmI();
    } catch {
      // Offline or signed out: the device's copy stands in, and sync retries later.
    }
  }
  await showStatus();
  if (!(await unlocked(me))) return;
  if (me) await Promise.all([refreshBriefs(me.id), keepUnsentKey(me.id)]).catch(() => {});
  await fillShellPages(); // first: the offline child page makes its check forms
  await recordingForms();
  await startSyncing();
  await refreshStatus();
}

start();
