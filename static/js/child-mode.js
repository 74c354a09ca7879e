// Child mode: the tablet handed to the child. The adult sets a PIN; the child chooses a face,
// fills in their three houses, draws and types their words; "I've finished" saves it straight
// into the outbox as a voice entry, their picture as its drawing (sent by sync.js like any other). Leaving needs the PIN, and
// the page keeps the child on it: no links out, Back stays here, leaving asks first, and
// child-lock.js sends every other page of the app back here until the adult unlocks.
import { startDrawing } from './drawing.js';
import { waitingImage } from './media.js';
import { saveToOutbox } from './outbox.js';
import { currentLock, lock, release, tryPin, validPin } from './pin.js';
import { currentUserId } from './store.js';
import { syncNow } from './sync.js';

const CHILD_CONTENT = ['words', 'feeling', 'worries', 'good_things', 'dreams', 'drawing_about'];
const CONTEXT = 'In child mode: the child chose and typed this themselves on the tablet.';

const childId = window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})\/child-mode$/)?.[1];
const $ = (selector, within = document) => within.querySelector(selector);

function show(step) {
  document.querySelectorAll('[data-step]').forEach((section) => { section.hidden = section.dataset.step !== step; });
  $('[data-leave]').hidden = step === 'setup';
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
function leave(to) {
  release();
  window.removeEventListener('popstate', stayHere);
  window.removeEventListener('beforeunload', askBeforeLeaving);
  window.location.assign(to);
}

async function setUp(form) {
  const pin = form.elements.pin.value;
  if (!validPin(pin)) return say(form, 'Choose a PIN of 4 to 8 digits.');
  if (pin !== form.elements.pin_again.value) return say(form, 'The two PINs are not the same. Type the PIN again in both boxes.');
  const userId = await currentUserId();
  if (!userId || !childId) return say(form, 'Open this child from your caseload while signed in, then start child mode.');
  await lock(pin, { childId, userId, share: form.elements.share_with_team.checked });
  form.reset();
  trap();
  return show('child');
}

function answersOf(form, drawing) {
  const data = {};
  for (const name of CHILD_CONTENT) {
    const value = form.elements[name].value.trim();
    if (value) data[name] = value;
  }
  const { share } = currentLock();
  const onlyTheDrawing = Object.keys(data).length === 0 && drawing.drew();
  return { data, share, onlyTheDrawing };
}

async function finish(form, drawing) {
  // Unlocked meanwhile (in another tab of the app): nothing more is saved as the child's.
  if (!currentLock()) return leave(`/cases/${childId}`);
  const { data, share, onlyTheDrawing } = answersOf(form, drawing);
  if (onlyTheDrawing) return say(form, 'Write what your picture is about, so we know.');
  if (Object.keys(data).length === 0) return say(form, 'Choose a face, fill in a house, or write something first.');
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
  say(form, null);
  return show('thanks');
}

async function unlock(form) {
  const { ok, waitSeconds } = await tryPin(form.elements.pin.value);
  form.reset();
  if (ok) return leave(`/cases/${childId}`);
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
  const drawing = startDrawing($('[data-canvas]'), [...document.querySelectorAll('.colour')], $('[data-clear]'));
  const setup = $('[data-setup]');
  const child = $('[data-child-form]');
  const unlocking = $('[data-unlock]');
  const reveal = $('[data-show-unlock]');
  setup.addEventListener('submit', (event) => { event.preventDefault(); setUp(setup); });
  child.addEventListener('submit', (event) => { event.preventDefault(); finish(child, drawing); });
  unlocking.addEventListener('submit', (event) => { event.preventDefault(); unlock(unlocking); });
  $('[data-again]').addEventListener('click', () => show('child'));
  $('[data-sign-out]').addEventListener('click', () => signOut(unlocking));
  reveal.addEventListener('click', () => {
    unlocking.hidden = !unlocking.hidden;
    reveal.setAttribute('aria-expanded', String(!unlocking.hidden));
    if (!unlocking.hidden) unlocking.elements.pin.focus();
  });
  if (currentLock()?.childId === childId) {
    trap();
    show('child');
  }
}

start();
