// The device's store, in IndexedDB through idb. Case data offline lives only here (never in
// Cache Storage), so it can be protected and wiped in one place.
import { openDB } from '../vendor/idb/index.js';

const DB_NAME = 'dailylife';

let opening;

// Each version adds to the one before: a tablet holding the previous release's outbox keeps it.
const UPGRADES = [
  (db) => {
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('byUser', ['userId', 'seq']);
    db.createObjectStore('drafts', { keyPath: 'key' });
    const briefs = db.createObjectStore('briefs', { keyPath: 'key' });
    briefs.createIndex('byUser', 'userId');
    db.createObjectStore('meta', { keyPath: 'key' });
  },
  // Photos and drawings: a draft's chosen images, then the images waiting to be sent.
  (db) => {
    const media = db.createObjectStore('media', { keyPath: 'id' });
    media.createIndex('byUser', 'userId');
    media.createIndex('byDraft', 'draftKey');
    media.createIndex('byEntry', 'entryId');
  },
  // Each user's wrapped data key (vault.js): what their offline passphrase unlocks.
  (db) => {
    db.createObjectStore('vaults', { keyPath: 'userId' });
  },
];

export function database() {
  opening ??= openDB(DB_NAME, UPGRADES.length, {
    upgrade(db, oldVersion) {
      UPGRADES.slice(oldVersion).forEach((upgrade) => upgrade(db));
    },
    // A newer release opened in another tab: step aside (reloading runs the new code).
    blocking() {
      window.location.reload();
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

export async function forgetMeta(key) {
  await (await database()).delete('meta', key);
}

// What a user's waiting records of one store (outbox, media) come to, without opening any:
// owner, status and times are not sealed. `rejected`: those that need the practitioner (refused,
// or about a child they may no longer write about); `stuck`: those written before `stuckBefore`.
const BUCKETS = { waiting: 'waiting', rejected: 'rejected', forbidden: 'rejected' };
export function tally(records, stuckBefore = -Infinity) {
  const counts = { waiting: 0, rejected: 0, stuck: 0 };
  for (const { status, createdAt } of records) {
    if (!Object.hasOwn(BUCKETS, status)) continue;
    counts[BUCKETS[status]] += 1;
    if (createdAt < stuckBefore) counts.stuck += 1;
  }
  return counts;
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
