// Who may read what this tablet keeps: the offline passphrase is chosen at the first sign-in on
// the device, asked for when a page opens without the key, and asked again after the lock time
// without use or after the tab was hidden for long. Five wrong passphrases in a row remove the
// user's drafts and offline caseload, never what waits to be sent (it stays sealed for the right
// passphrase). Signing out with nothing unsent removes everything of the user from the tablet.
import { ofUser } from './outbox.js';
import { database, getMeta } from './store.js';
import { MAX_FAILURES, changePassphrase, createVault, forgetVault, hasVault, lock, resume, setLockTime, touch, unlock, unlockedFor } from './vault.js';

const MIN_LENGTH = 8;
const HIDDEN_LOCK_MS = 5 * 60 * 1000;
const TOUCH_MS = 20_000;

const element = (tag, props = {}, ...children) => {
  const made = Object.assign(document.createElement(tag), props);
  made.append(...children);
  return made;
};

function passphraseField(id, label, autocomplete) {
  const input = element('input', { id, name: id, type: 'password', autocomplete, required: true, minLength: MIN_LENGTH });
  return [element('div', { className: 'field' }, element('label', { htmlFor: id, textContent: label }), input), input];
}

// What the page is waiting for ("choose", "unlock"), or "unlocked": for the page's own
// styles and for tests.
const showState = (state) => { document.documentElement.dataset.device = state; };

// Which secret this is, in the words every page keeps (templates/_secrets.html): not the password.
const passphraseExplained = () => document.getElementById('passphrase-explained')?.textContent ?? '';

// A modal over a blank backdrop: while locked, nothing of the page behind shows.
function dialog(state, heading, explanation) {
  showState(state);
  const problem = element('p', { className: 'error-message', hidden: true });
  problem.setAttribute('role', 'alert');
  const form = element('form', { className: 'stack', method: 'dialog' });
  const box = element('dialog', { className: 'device-lock' },
    element('h2', { textContent: heading }), element('p', { textContent: explanation }),
    element('p', { className: 'hint', textContent: passphraseExplained() }), problem, form);
  box.addEventListener('cancel', (event) => event.preventDefault());
  document.body.append(box);
  box.showModal();
  const say = (text) => Object.assign(problem, { textContent: text ?? '', hidden: !text });
  return { box, form, say };
}

function closeDialog(box) {
  box.close();
  box.remove();
}

function chooseNewPassphrase(userId) {
  const { box, form, say } = dialog('choose', 'Choose an offline passphrase for this tablet',
    `What you record is kept on this tablet, locked by this passphrase, until it is sent. You will need it to open dailylife without a connection. Use at least ${MIN_LENGTH} characters: a few words are easy to remember and hard to guess.`);
  const [first, passphrase] = passphraseField('new-passphrase', 'Offline passphrase', 'new-password');
  const [second, again] = passphraseField('new-passphrase-again', 'The same passphrase again', 'new-password');
  form.append(first, second, element('button', { type: 'submit', className: 'button', textContent: 'Set passphrase' }));
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (passphrase.value.length < MIN_LENGTH) return say(`Use at least ${MIN_LENGTH} characters.`);
      if (passphrase.value !== again.value) return say('The two passphrases are not the same. Type it again in both boxes.');
      await createVault(userId, passphrase.value);
      closeDialog(box);
      return resolve();
    });
  });
}

// "Change offline passphrase" (on Waiting to send): the current one, then the new one twice.
export function offerPassphraseChange(button, userId) {
  button.addEventListener('click', () => {
    const { box, form, say } = dialog('change', 'Change your offline passphrase', 'The new passphrase opens what this tablet keeps for you from now on.');
    const [currentField, current] = passphraseField('current-passphrase', 'Current offline passphrase', 'current-password');
    const [firstField, next] = passphraseField('changed-passphrase', 'New offline passphrase', 'new-password');
    const [secondField, again] = passphraseField('changed-passphrase-again', 'The new passphrase again', 'new-password');
    const cancel = element('button', { type: 'button', className: 'button-quiet', textContent: 'Cancel' });
    form.append(currentField, firstField, secondField, element('button', { type: 'submit', className: 'button', textContent: 'Change passphrase' }), cancel);
    const done = () => { closeDialog(box); showState('unlocked'); };
    cancel.addEventListener('click', done);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (next.value.length < MIN_LENGTH) return say(`Use at least ${MIN_LENGTH} characters.`);
      if (next.value !== again.value) return say('The two new passphrases are not the same. Type it again in both boxes.');
      say('');
      if (!(await changePassphrase(userId, current.value, next.value))) return say('That is not your current passphrase.');
      done();
      return window.alert('Your offline passphrase has been changed.');
    });
  });
}

function askPassphrase(userId) {
  const { box, form, say } = dialog('unlock', 'Unlock dailylife on this tablet', 'Type your offline passphrase.');
  const [field, passphrase] = passphraseField('passphrase', 'Offline passphrase', 'current-password');
  const forgotten = element('button', { type: 'button', className: 'button-quiet', textContent: 'I have forgotten it' });
  const submit = element('button', { type: 'submit', className: 'button', textContent: 'Unlock' });
  form.append(field, submit, forgotten);
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      say('');
      submit.disabled = true; // one try at a time: each takes a moment to check
      const answer = await unlock(userId, passphrase.value).finally(() => { submit.disabled = false; });
      passphrase.value = '';
      if (answer.ok) {
        closeDialog(box);
        return resolve();
      }
      if (answer.failures >= MAX_FAILURES) {
        await wipe(userId, { keepUnsent: true });
        await resetFailures(userId);
        return say('Wrong passphrase five times: your drafts and offline caseload have been removed from this tablet. Entries waiting to send are kept, locked: the right passphrase still opens them.');
      }
      return say(answer.failures === MAX_FAILURES - 1
        ? 'That is not the passphrase. One more wrong try removes your drafts and offline caseload from this tablet (entries waiting to send are kept, locked).'
        : 'That is not the passphrase. Try again.');
    });
    forgotten.addEventListener('click', async () => {
      const unsent = await unsentWords(userId);
      const warning = unsent
        ? `${unsent} of yours on this tablet have not reached the server and will be lost for good: nobody, not even your team manager, can open them without the passphrase. If it may still come back to you, cancel and try again later. Remove everything of yours from this tablet and choose a new passphrase?`
        : 'Remove your offline data from this tablet and choose a new passphrase?';
      if (!window.confirm(warning)) return;
      await wipe(userId, { keepUnsent: false });
      await forgetVault(userId);
      closeDialog(box);
      await chooseNewPassphrase(userId);
      resolve();
    });
  });
}

async function resetFailures(userId) {
  const db = await database();
  const vault = await db.get('vaults', userId);
  if (vault) await db.put('vaults', { ...vault, failures: 0 });
}

async function keysOf(store, userId) {
  const db = await database();
  if (store === 'drafts') return db.getAllKeys('drafts', IDBKeyRange.bound(`${userId}|`, `${userId}|\uffff`));
  if (store === 'outbox') return db.getAllKeysFromIndex('outbox', 'byUser', ofUser(userId));
  return db.getAllKeysFromIndex(store, 'byUser', userId);
}

const counted = (count, one, many) => `${count} ${count === 1 ? one : many}`;

// How many entries, images and drafts of the user have not reached the server.
export async function unsentCounts(userId) {
  const [entries, images, drafts] = await Promise.all(['outbox', 'media', 'drafts'].map(async (store) => (await keysOf(store, userId)).length));
  return { entries, images, drafts };
}

// What of the user has not reached the server, in words ("4 entries and 1 draft"), or ''.
export async function unsentWords(userId) {
  const { entries, images, drafts } = await unsentCounts(userId);
  const parts = [entries && counted(entries, 'entry', 'entries'), images && counted(images, 'image', 'images'),
    drafts && counted(drafts, 'draft', 'drafts')].filter(Boolean);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts.join('');
}

async function removeRecords(userId, stores) {
  const keys = await Promise.all(stores.map((store) => keysOf(store, userId)));
  const db = await database();
  const tx = db.transaction(stores, 'readwrite');
  stores.forEach((store, index) => keys[index].forEach((key) => tx.objectStore(store).delete(key)));
  await tx.done;
}

// Remove the user's records; `keepUnsent` keeps what waits to be sent (outbox and its images).
export async function wipe(userId, { keepUnsent }) {
  await removeRecords(userId, keepUnsent ? ['drafts', 'briefs'] : ['drafts', 'briefs', 'outbox', 'media']);
}

// Signing out: the caseload goes (the next sign-in fetches it again); what is unsent, drafts
// too, stays sealed for the user's return, and with nothing unsent nothing of theirs stays.
export async function leaveDevice(userId) {
  await removeRecords(userId, ['briefs']);
  if (!(await unsentWords(userId))) await forgetVault(userId);
  lock();
}

function lockWhenIdle(userId, lockMs) {
  let lastUse = Date.now();
  let hiddenAt = null;
  const used = () => { lastUse = Date.now(); };
  ['pointerdown', 'keydown', 'input', 'scroll'].forEach((type) => window.addEventListener(type, used, { capture: true, passive: true }));
  const lockNow = async () => {
    lock();
    await askPassphrase(userId);
    showState('unlocked');
    used();
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') {
      hiddenAt = Date.now();
    } else if (hiddenAt !== null && Date.now() - hiddenAt > Math.min(HIDDEN_LOCK_MS, lockMs) && unlockedFor(userId)) {
      lockNow();
    }
  });
  setInterval(() => {
    if (!unlockedFor(userId)) return;
    if (Date.now() - lastUse > lockMs) lockNow();
    else if (document.visibilityState === 'visible') touch();
  }, Math.min(TOUCH_MS, lockMs / 4));
}

// Resolves once the user's key is in memory: from the page before (through the service
// worker), or after the passphrase is typed (or chosen, on the first sign-in here).
export async function unlockDevice(userId) {
  const lockMs = ((await getMeta('lockSeconds')) ?? 900) * 1000;
  setLockTime(lockMs);
  if (!(await resume(userId))) {
    if (await hasVault(userId)) await askPassphrase(userId);
    else await chooseNewPassphrase(userId);
  }
  showState('unlocked');
  lockWhenIdle(userId, lockMs);
}

export const holdsNothing = () => showState('none');
