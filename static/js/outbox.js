// The outbox: entries saved on the device and not yet confirmed by the server. An item leaves
// only when the server answered "created" or "duplicate" for it, or when the practitioner
// explicitly discards it (never on a network error, never on a 500: see workbox issue 2599).
import { database } from './store.js';

let sequence = 0;

// Save items and their images, and clear the draft, in one transaction: all of it, or none.
export async function saveToOutbox(userId, items, draftKey, images = []) {
  const db = await database();
  const tx = db.transaction(['outbox', 'drafts', 'media'], 'readwrite');
  const base = Date.now() * 1000;
  for (const { prefix, ...item } of items) {
    tx.objectStore('outbox').put({
      id: item.id, userId, seq: base + (sequence++ % 1000), createdAt: Date.now(),
      status: 'waiting', errors: null, attempts: 0, prefix, item,
    });
  }
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

export async function itemsOf(userId) {
  const db = await database();
  return db.getAllFromIndex('outbox', 'byUser', IDBKeyRange.bound([userId, 0], [userId, Infinity]));
}

export async function waitingOf(userId) {
  return (await itemsOf(userId)).filter((record) => record.status === 'waiting');
}

// Apply the server's answers, one transaction for the whole batch.
export async function settle(results) {
  const db = await database();
  const tx = db.transaction('outbox', 'readwrite');
  for (const result of results) {
    const record = await tx.store.get(result.id);
    if (!record) continue;
    if (result.status === 'created' || result.status === 'duplicate') {
      await tx.store.delete(result.id);
    } else {
      record.status = 'rejected';
      record.errors = result.errors ?? { item: [`The server answered “${result.status}”.`] };
      await tx.store.put(record);
    }
  }
  await tx.done;
}

export async function resend(id, item) {
  const db = await database();
  const record = await db.get('outbox', id);
  await db.put('outbox', { ...record, item: item ?? record.item, status: 'waiting', errors: null });
}

export async function recordsOf(ids) {
  const db = await database();
  return Promise.all(ids.map((id) => db.get('outbox', id)));
}

// An entry discarded from the device takes its images with it (they could never be sent).
export async function discard(id) {
  const db = await database();
  const tx = db.transaction(['outbox', 'media'], 'readwrite');
  tx.objectStore('outbox').delete(id);
  for (const key of await tx.objectStore('media').index('byEntry').getAllKeys(id)) {
    tx.objectStore('media').delete(key);
  }
  await tx.done;
}
