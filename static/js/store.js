// The device's store, in IndexedDB through idb. Case data offline lives only here (never in
// Cache Storage), so it can be protected and wiped in one place.
import { openDB } from '../vendor/idb/index.js';

const DB_NAME = 'dailylife';

let opening;

export function database() {
  opening ??= openDB(DB_NAME, 1, {
    upgrade(db) {
      const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
      outbox.createIndex('byUser', ['userId', 'seq']);
      db.createObjectStore('drafts', { keyPath: 'key' });
      const briefs = db.createObjectStore('briefs', { keyPath: 'key' });
      briefs.createIndex('byUser', 'userId');
      db.createObjectStore('meta', { keyPath: 'key' });
    },
  });
  return opening;
}

export async function getMeta(key) {
  const record = await (await database()).get('meta', key);
  return record?.value;
}

export async function setMeta(key, value) {
  await (await database()).put('meta', { key, value });
}

// The user whose data the device shows and sends: the last one the server confirmed.
export const currentUserId = () => getMeta('currentUser');

export async function deviceId() {
  let id = await getMeta('deviceId');
  if (!id) {
    id = crypto.randomUUID();
    await setMeta('deviceId', id);
  }
  return id;
}
