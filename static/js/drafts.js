// Drafts: the visit form saves itself to IndexedDB as the practitioner types, so a reload, a
// crash or a flat battery loses nothing. "Save visit" turns the draft into outbox items. What a
// draft says is sealed (vault.js); whose it is, which child (an id) and when are not.
import { discardDraftImages } from './media.js';
import { addRow } from './rows.js';
import { currentUserId, database } from './store.js';
import { open, seal } from './vault.js';

const SAVE_DELAY_MS = 400;

// File inputs cannot be filled in again by a page: a chosen image is kept by media.js.
const kept = (element) => element.name && element.type !== 'submit' && element.type !== 'file'
  && element.name !== 'csrf_token';

// One draft per visit form opened: a second opening never overwrites an unresolved draft.
const draftPrefix = (userId, childId) => `${userId}|visit|${childId}|`;

// What a form's answers are, and filling them in again (child-work.js keeps child mode's too).
export function snapshot(form) {
  const fields = {};
  for (const element of form.elements) {
    if (!kept(element)) continue;
    if (element.type === 'radio' || element.type === 'checkbox') {
      fields[`${element.name}=${element.value}`] = element.checked;
    } else {
      fields[element.name] = element.value;
    }
  }
  return fields;
}

export function restore(form, fields) {
  const rowNames = Object.keys(fields).map((name) => name.match(/^(observations|voice|household_changes)-(\d+)-/))
    .filter(Boolean);
  for (const [, list, index] of rowNames) {
    const exists = form.querySelector(`[data-rows="${list}"] > [data-index="${index}"]`);
    if (!exists) addRow(list, Number(index));
  }
  for (const element of form.elements) {
    if (!kept(element)) continue;
    if (element.type === 'radio' || element.type === 'checkbox') {
      const key = `${element.name}=${element.value}`;
      if (key in fields) element.checked = fields[key];
    } else if (element.name in fields) {
      element.value = fields[element.name];
    }
  }
  form.dispatchEvent(new Event('change')); // what depends on the answers follows them
}

export async function discardDraft(key) {
  await (await database()).delete('drafts', key);
  await discardDraftImages(key);
}

function offerDraft(banner, draft, onResume) {
  const when = new Date(draft.savedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  banner.innerHTML = '';
  const text = document.createElement('p');
  text.textContent = `You have an unsaved draft of this visit from ${when}.`;
  const resume = Object.assign(document.createElement('button'), { type: 'button', className: 'button', textContent: 'Resume draft' });
  const discard = Object.assign(document.createElement('button'), { type: 'button', className: 'button-quiet', textContent: 'Discard draft' });
  resume.addEventListener('click', async () => {
    await onResume();
    banner.hidden = true;
  });
  discard.addEventListener('click', async () => {
    if (!window.confirm('Discard this draft? What it holds will be gone from this tablet.')) return;
    await discardDraft(draft.key);
    banner.hidden = true;
  });
  banner.append(text, resume, discard);
  banner.hidden = false;
}

// "Keep as draft" always works, whatever the answers: it saves the draft now and leaves.
function offerKeeping(form, save, onKept) {
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'button-quiet', textContent: 'Keep as draft' });
  button.addEventListener('click', async () => {
    await save();
    onKept();
  });
  form.querySelector(':scope > .actions').append(button);
}

// `images` (media.js ChosenImages) keeps the draft's chosen photos and drawings; `onKept` is
// called once "Keep as draft" has saved it.
export async function keepDrafts(form, childId, images, onKept) {
  const userId = await currentUserId();
  if (!userId) return null;
  const prefix = draftPrefix(userId, childId);
  const key = prefix + crypto.randomUUID();
  images.draftKey = key;
  const db = await database();
  const earlier = await db.getAll('drafts', IDBKeyRange.bound(prefix, `${prefix}\uffff`));
  let timer;
  let saved = false; // in the outbox: a late autosave (a pause in typing, leaving the page) must
  // not write the draft again that saving it removed
  let writing = Promise.resolve(); // autosaves one after another, so the last one is known
  form.addEventListener('outbox:saved', async () => {
    saved = true;
    clearTimeout(timer);
    // An autosave begun before the save may have written the draft back after the outbox
    // removed it: once it is over, the draft goes for good.
    await writing;
    await db.delete('drafts', key);
  });
  const write = async () => {
    if (saved) return;
    const sealed = await seal(snapshot(form));
    await db.put('drafts', { key, userId, childId, savedAt: Date.now(), sealed });
  };
  const save = () => {
    writing = writing.then(write, write);
    return writing;
  };
  const banner = document.querySelector('[data-draft-banner]');
  // Only sealed drafts are offered: one that is not was planted, never written by the app.
  const latest = earlier.filter((draft) => draft.sealed).sort((a, b) => b.savedAt - a.savedAt)[0];
  if (latest && banner) {
    offerDraft(banner, latest, async () => {
      restore(form, await open(latest.sealed));
      await images.restore(latest.key);
      await save();
      await discardDraft(latest.key);
    });
  }
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  });
  offerKeeping(form, () => {
    clearTimeout(timer);
    return save();
  }, onKept);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save();
  });
  return key;
}
