// What the child is making in child mode, kept on the tablet as they make it, so that a reload,
// a crash or the tablet going to sleep loses none of it: their face, three houses, words and
// picture come back where they were. It is a draft like a visit's (the drafts store: counted at
// sign-out, wiped with the other drafts), sealed like everything else (vault.js); only whose it
// is, which child and when stay in the clear. It goes once it is saved to the outbox or the
// grown-up discards it.
import { restore, snapshot } from './drafts.js';
import { database } from './store.js';
import { Locked, open, openBytes, seal, sealBytes } from './vault.js';

const SAVE_DELAY_MS = 400;

const keyOf = (userId, childId) => `${userId}|child-mode|${childId}`;

// Resolves once app.js holds the device key (device.js marks the page "unlocked"): nothing can
// be sealed or opened before.
function deviceUnlocked() {
  const root = document.documentElement;
  const unlocked = () => root.dataset.device === 'unlocked';
  if (unlocked()) return Promise.resolve();
  return new Promise((resolve) => {
    const watching = new MutationObserver(() => {
      if (!unlocked()) return;
      watching.disconnect();
      resolve();
    });
    watching.observe(root, { attributes: true, attributeFilter: ['data-device'] });
  });
}

const holdsAnswers = (fields) => Object.values(fields).some((value) => value === true || (typeof value === 'string' && value.trim()));

// `form`: the child's form; `drawing`: drawing.js's canvas. Answers { forget }, once what was
// kept before is back on the page.
export async function keepChildWork(form, drawing, { userId, childId }) {
  const key = keyOf(userId, childId);
  const canvas = form.querySelector('[data-canvas]');
  await deviceUnlocked();
  const db = await database();
  const kept = await db.get('drafts', key);
  if (kept?.sealed) {
    restore(form, await open(kept.sealed));
    if (kept.picture) await drawing.redraw(new Blob([await openBytes(kept.picture)], { type: 'image/png' }));
  }

  let timer;
  let stopped = false;
  let writing = Promise.resolve(); // one write after another, so the last one is known
  const write = async () => {
    const fields = snapshot(form);
    if (stopped || (!holdsAnswers(fields) && !drawing.drew())) return db.delete('drafts', key);
    try {
      const picture = drawing.drew() ? await sealBytes(await (await drawing.picture()).arrayBuffer()) : null;
      return await db.put('drafts', { key, userId, childId, savedAt: Date.now(), sealed: await seal(fields), picture });
    } catch (error) {
      if (error instanceof Locked) return undefined; // the tablet was locked: what was kept stays
      throw error;
    }
  };
  const save = () => {
    clearTimeout(timer);
    writing = writing.then(write, write);
    return writing;
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  canvas.addEventListener('pointerup', later);
  form.querySelector('[data-clear]').addEventListener('click', later);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save();
  });

  // Saved to the outbox (the form is empty again), or discarded: the kept copy goes. `forGood`
  // when child mode ends here, so that leaving the page writes nothing back.
  const forget = ({ forGood = false } = {}) => {
    stopped = forGood;
    return save().then(() => db.delete('drafts', key));
  };
  return { forget };
}
