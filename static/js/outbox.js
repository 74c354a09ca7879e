// The outbox: entries saved on the device and not yet confirmed by the server. An item leaves
// only when the server answered "created" or "duplicate" for it, or when the practitioner
// explicitly discards it (never on a network error, never on a 500: see workbox issue 2599).
// What an item says is sealed (vault.js); its id, owner, order and status stay readable, so the
// device can count and order what waits without unlocking anything.
import { database, tally } from './store.js';
import { open, seal } from './vault.js';

let sequence = 0;

async function sealed(record) {
  const { item, errors, prefix, ...clear } = record;
  return { ...clear, sealed: await seal({ item, errors, prefix }) };
}

// Only sealed records are read: one that is not (planted by a script on a shared tablet; no
// release ever wrote one) is never shown, counted or sent in the signed-in user's name.
const isSealed = (record) => Boolean(record?.sealed);

async function opened(record) {
  const { sealed: content, ...clear } = record;
  return { ...clear, ...(await open(content)) };
}

// An entry leaving the device takes its images with it (they could never be sent).
async function forget(tx, id) {
  tx.objectStore('outbox').delete(id);
  const media = tx.objectStore('media');
  for (const key of await media.index('byEntry').getAllKeys(id)) media.delete(key);
}

// Save items and their images, and clear the draft, in one transaction: all of it, or none.
// A corrected save `replaces` the refused items it came from: those whose ids it kept are
// overwritten (their waiting images stay attached), the others (rows removed) are forgotten.
// (Everything is sealed first: a transaction cannot wait for Web Crypto and stay open.)
export async function saveToOutbox(userId, items, draftKey, images = [], replaces = []) {
  const base = Date.now() * 1000;
  const records = await Promise.all(items.map(({ prefix, ...item }) => sealed({
    id: item.id, userId, seq: base + (sequence++ % 1000), createdAt: Date.now(),
    status: 'waiting', attempts: 0, errors: null, prefix, item,
  })));
  const db = await database();
  const tx = db.transaction(['outbox', 'drafts', 'media'], 'readwrite');
  const kept = new Set(records.map((record) => record.id));
  for (const id of replaces.filter((replaced) => !kept.has(replaced))) await forget(tx, id);
  records.forEach((record) => tx.objectStore('outbox').put(record));
  const media = tx.objectStore('media');
  images.forEach((image) => media.put(image));
  if (draftKey) {
    tx.objectStore('drafts').delete(draftKey);
    const saved = new Set(images.map((image) => image.id));
    for (const key of await media.index('byDraft').getAllKeys(draftKey)) {
      if (!saved.has(key)) media.delete(key);
    }
  }
  await tx.done;
}

// The byUser index's range for one user's items (it is ordered by [userId, seq]).
export const ofUser = (userId) => IDBKeyRange.bound([userId, 0], [userId, Infinity]);

export async function countsOf(userId, stuckBefore) {
  if (!userId) return tally([]);
  const records = await (await database()).getAllFromIndex('outbox', 'byUser', ofUser(userId));
  return tally(records.filter(isSealed), stuckBefore);
}

export async function itemsOf(userId) {
  const records = await (await database()).getAllFromIndex('outbox', 'byUser', ofUser(userId));
  return Promise.all(records.filter(isSealed).map(opened));
}

export async function waitingOf(userId) {
  return (await itemsOf(userId)).filter((record) => record.status === 'waiting');
}

// Apply the server's answers: refusals are sealed again with their reasons, then written
// with the deletions in one transaction. "forbidden" (a child the user may no longer write
// about) is kept as it is said and never sent again: only the practitioner discards it.
export async function settle(results) {
  const db = await database();
  const kept = new Set(['created', 'duplicate']);
  const refused = [];
  for (const result of results.filter((answer) => !kept.has(answer.status))) {
    const record = await db.get('outbox', result.id);
    if (!isSealed(record)) continue;
    refused.push(await sealed({
      ...(await opened(record)), status: result.status === 'forbidden' ? 'forbidden' : 'rejected',
      errors: result.errors ?? {},
    }));
  }
  const tx = db.transaction('outbox', 'readwrite');
  results.filter((answer) => kept.has(answer.status)).forEach((answer) => tx.store.delete(answer.id));
  refused.forEach((record) => tx.store.put(record));
  await tx.done;
}

export async function recordsOf(ids) {
  const db = await database();
  return Promise.all(ids.map(async (id) => {
    const record = await db.get('outbox', id);
    return isSealed(record) ? opened(record) : undefined;
  }));
}

// Entries the practitioner chose to discard (a visit goes with its parts), in one transaction.
export async function discard(ids) {
  const tx = (await database()).transaction(['outbox', 'media'], 'readwrite');
  for (const id of ids) await forget(tx, id);
  await tx.done;
}
