// Child mode: the tablet handed to the child. The adult sets a PIN; the child chooses a face,
// fills in their three houses, draws and types their words; "I've finished" saves it straight
// into the outbox as a voice entry, their picture as its drawing (sent by sync.js like any other).
// Until then what they make is kept on the tablet, sealed (child-work.js): a reload loses
// nothing, and the grown-up who leaves before they finished saves it or discards it. Leaving needs the PIN, and
// the page keeps the child on it: no links out, Back stays here, leaving asks first, and
// child-lock.js sends every other page of the app back here until the adult unlocks.
// The server holds child mode too: starting marks the session with the PIN's verifier, so
// nothing else answers (an address typed in, JSON, exports) until the server has checked the
// PIN. Offline, or when the server never knew this PIN, the tablet checks it (pin.js).
import { keepChildWork } from './child-work.js';
import { startDrawing } from './drawing.js';
import { waitingImage } from './media.js';
import { saveToOutbox } from './outbox.js';
import { currentLock, lock, release, tryPin, validPin } from './pin.js';
import { currentUserId } from './store.js';
import { syncNow, whoAmI } from './sync.js';
import { lock as lockDevice } from './vault.js';

const CONTEXT = 'In child mode: the child chose and typed this themselves on the tablet.';

const childId = window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})\/child-mode$/)?.[1];
const $ = (selector, within = document) => within.querySelector(selector);
// What the child said, showed or chose themselves: the server names these answers on the form,
// from the voice kind's declaration (a voice entry needs at least one of them).
const CHILD_CONTENT = $('[data-child-form]').dataset.childContent.split(' ');
const drawing = startDrawing($('[data-canvas]'), [...document.querySelectorAll('.colour')], $('[data-clear]'));
let work = null; // child-work.js, once what the child made before is back on the page

function show(step) {
  document.querySelectorAll('[data-step]').forEach((section) => { section.hidden = section.dataset.step !== step; });
  $('[data-leave]').hidden = step === 'setup' || step === 'unfinished';
  $(`[data-step="${step}"] h1`).focus();
}

function say(form, message) {
  const problem = $('[data-problem]', form);
  problem.textContent = message ?? '';
  problem.hidden = !message;
}

// Back returns here; closing or reloading asks first (a reload comes back locked).
const stayHere = () => window.history.pushState({ childMode: true }, '', window.location.href);
function askBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = '';
}
function trap() {
  stayHere();
  window.addEventListener('popstate', stayHere);
  window.addEventListener('beforeunload', askBeforeLeaving);
}
async function leave(to) {
  await release();
  window.removeEventListener('popstate', stayHere);
  window.removeEventListener('beforeunload', askBeforeLeaving);
  window.location.assign(to);
}

// POST JSON to the API with the session's token; null when there is no answer (offline,
// or signed out: then the tablet alone holds child mode, and nothing answers online anyway).
async function ask(path, body) {
  try {
    const me = await whoAmI();
    const response = await fetch(path, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': me.csrf_token }, body: JSON.stringify(body),
    });
    return { status: response.status, ...(await response.json().catch(() => ({}))) };
  } catch {
    return null;
  }
}

// Mark the server's session; without a connection, as soon as it comes back (this page holds
// the PIN in memory until then, never in storage). Answers a refusal to show, or null.
async function markServer(pin, freeing = true) {
  const answer = await ask(`/api/v1/cases/${childId}/child-mode`, { pin });
  if (answer === null) {
    window.addEventListener('online', () => markServer(pin), { once: true });
    return null;
  }
  // Child mode was left on the tablet without a connection: the server still holds it, and
  // frees it for the PIN chosen then (a wrong one counts as a wrong try).
  if (answer.error === 'child_mode' && freeing) {
    const left = await ask('/api/v1/child-mode/leave', { pin });
    if (left?.status === 200) return markServer(pin, false);
    if (left?.error === 'signed_out') {
      await signedOut(left.message);
      return left.message;
    }
    return `Child mode was left on this tablet without a connection, so the server still holds it. Type the PIN chosen then in both boxes. ${left?.message ?? ''}`;
  }
  return answer.status === 200 || answer.status === 401 ? null : answer.message ?? `The server answered ${answer.status}.`;
}

async function setUp(form) {
  const pin = form.elements.pin.value;
  if (!validPin(pin)) return say(form, 'Choose a PIN of 4 to 8 digits.');
  if (pin !== form.elements.pin_again.value) return say(form, 'The two PINs are not the same. Type the PIN again in both boxes.');
  const userId = await currentUserId();
  if (!userId || !childId) return say(form, 'Open this child from your caseload while signed in, then start child mode.');
  const refused = await markServer(pin);
  if (refused) return say(form, refused);
  await lock(pin, { childId, userId, share: form.elements.share_with_team.checked });
  form.reset();
  trap();
  show('child');
  return keepWork();
}

// What the child made before (a reload, or child mode left by signing out) comes back.
async function keepWork() {
  const { userId } = currentLock();
  work = await keepChildWork($('[data-child-form]'), drawing, { userId, childId });
}

function answersOf(form) {
  const data = {};
  for (const name of CHILD_CONTENT) {
    const value = form.elements[name].value.trim();
    if (value) data[name] = value;
  }
  const { share } = currentLock();
  const onlyTheDrawing = Object.keys(data).length === 0 && drawing.drew();
  return { data, share, onlyTheDrawing };
}

const holdsWork = (form) => Object.keys(answersOf(form).data).length > 0 || drawing.drew();

// The child's work into the outbox, as their entry with their picture; the form is empty again.
// Answers why it cannot be saved yet ('only a drawing', 'nothing'), or null once saved.
async function saveWork(form) {
  const { data, share, onlyTheDrawing } = answersOf(form);
  if (onlyTheDrawing) return 'only a drawing';
  if (Object.keys(data).length === 0) return 'nothing';
  const now = new Date().toISOString();
  const { userId } = currentLock();
  const item = {
    id: crypto.randomUUID(), kind: 'voice', child_id: childId, occurred_at: now, recorded_at: now,
    visit_id: null, amends_id: null,
    data: { ...data, mode: drawing.drew() ? 'drawing' : 'written', context: CONTEXT, share_with_team: share },
  };
  const blob = drawing.drew() ? await drawing.picture() : null;
  const pictures = blob ? [await waitingImage(userId, item.id, { id: crypto.randomUUID(), blob, originalSize: blob.size },
    { kind: 'drawing', caption: data.drawing_about ?? '' })] : [];
  await saveToOutbox(userId, [item], null, pictures);
  syncNow();
  form.reset();
  drawing.clear();
  await work?.forget();
  return null;
}

async function finish(form) {
  // Unlocked meanwhile (in another tab of the app): nothing more is saved as the child's.
  if (!currentLock()) return leave(`/cases/${childId}`);
  let refused;
  try {
    refused = await saveWork(form);
  } catch (error) {
    console.error('child mode: saving failed', error);
    return say(form, 'That did not save. Press “I’ve finished” again; nothing you made is lost.');
  }
  if (refused === 'only a drawing') return say(form, 'Write what your picture is about, so we know.');
  if (refused) return say(form, 'Choose a face, fill in a house, or write something first.');
  say(form, null);
  return show('thanks');
}

// Child mode ends here: nothing the child made stays on the tablet (saved or discarded).
async function leaveForGood() {
  await work?.forget({ forGood: true });
  return leave(`/cases/${childId}`);
}

// The PIN is right: the grown-up leaves, or first decides about what the child left unfinished.
function leaveWithPin() {
  if (!holdsWork($('[data-child-form]'))) return leaveForGood();
  return show('unfinished');
}

async function saveUnfinished(section) {
  if (await saveWork($('[data-child-form]'))) return say(section, 'There is only a picture, and nothing says what it is about: it cannot be saved on its own. Discard it, or start child mode again and ask the child about it.');
  return leaveForGood();
}

// Too many wrong PINs: the server has signed the session out. The tablet forgets its key too,
// so only the adult's password and passphrase open anything again; what the child saved stays
// in the outbox, and what they had not finished stays a draft, both sealed.
async function signedOut(message) {
  sessionStorage.setItem('dailylife-notice', message);
  lockDevice();
  return leave('/login');
}

async function unlock(form) {
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true; // one try at a time: each is counted, and takes a moment to check
  try {
    await checkPin(form);
  } finally {
    submit.disabled = false;
  }
}

async function checkPin(form) {
  const pin = form.elements.pin.value;
  form.reset();
  const answer = await ask('/api/v1/child-mode/leave', { pin });
  if (answer?.status === 200) return leaveWithPin();
  if (answer?.error === 'signed_out') return signedOut(answer.message);
  if (answer?.error === 'wrong_pin' || answer?.error === 'invalid_pin') return say(form, answer.message);
  const { ok, unchecked, waitSeconds } = await tryPin(pin);
  if (ok) return leaveWithPin();
  if (unchecked) return say(form, `Too many wrong tries: wait ${waitSeconds} seconds, then type the PIN again.`);
  return say(form, waitSeconds ? `That is not the PIN. Try again in ${waitSeconds} seconds.` : 'That is not the PIN. Try again.');
}

// The adult's password instead of the PIN: signing out ends the session, so only signing in again
// gets back to the record. What the child made stays in the outbox for when they do.
async function signOut(form) {
  try {
    const me = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
    if (me.ok) {
      const body = new URLSearchParams({ csrf_token: (await me.json()).csrf_token });
      const response = await fetch('/logout', { method: 'POST', credentials: 'same-origin', body });
      if (!response.ok) throw new Error(`sign-out answered ${response.status}`);
    }
  } catch {
    return say(form, 'Signing out needs a connection. Use the PIN, or try again when there is a connection.');
  }
  return leave('/login');
}

function start() {
  const setup = $('[data-setup]');
  const child = $('[data-child-form]');
  const unlocking = $('[data-unlock]');
  const reveal = $('[data-show-unlock]');
  setup.addEventListener('submit', (event) => { event.preventDefault(); setUp(setup); });
  child.addEventListener('submit', (event) => { event.preventDefault(); finish(child); });
  unlocking.addEventListener('submit', (event) => { event.preventDefault(); unlock(unlocking); });
  $('[data-again]').addEventListener('click', () => show('child'));
  $('[data-sign-out]').addEventListener('click', () => signOut(unlocking));
  const unfinished = $('[data-step="unfinished"]');
  $('[data-save-unfinished]').addEventListener('click', () => saveUnfinished(unfinished));
  $('[data-discard-unfinished]').addEventListener('click', leaveForGood);
  reveal.addEventListener('click', () => {
    unlocking.hidden = !unlocking.hidden;
    reveal.setAttribute('aria-expanded', String(!unlocking.hidden));
    if (!unlocking.hidden) unlocking.elements.pin.focus();
  });
  if (currentLock()?.childId === childId) {
    trap();
    show('child');
    keepWork();
  }
}

start();
