// The caseload brief on the device: refreshed from the server on each signed-in page load,
// read by the offline caseload and child pages. Each brief is sealed (vault.js).
import { currentUserId, database } from './store.js';
import { open, seal } from './vault.js';

export async function refreshBriefs(userId) {
  const response = await fetch('/api/v1/cases', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return;
  const { cases } = await response.json();
  const records = await Promise.all(cases.map(async (brief) => ({
    key: `${userId}|${brief.id}`, userId, sealed: await seal(brief),
  })));
  const db = await database();
  const tx = db.transaction('briefs', 'readwrite');
  const stale = await tx.store.index('byUser').getAllKeys(userId);
  await Promise.all(stale.map((key) => tx.store.delete(key)));
  await Promise.all(records.map((record) => tx.store.put(record)));
  await tx.done;
}

// Only sealed briefs are read: one that is not was planted, never written by the app.
export async function briefsOf(userId) {
  const records = await (await database()).getAllFromIndex('briefs', 'byUser', userId);
  const briefs = await Promise.all(records.filter((record) => record.sealed).map((record) => open(record.sealed)));
  // In the order the server worked out (overdue visits first: children.caseload).
  return briefs.sort((a, b) => a.order - b.order);
}

export async function briefOf(childId) {
  const userId = await currentUserId();
  const record = userId && (await (await database()).get('briefs', `${userId}|${childId}`));
  return record?.sealed ? open(record.sealed) : null;
}
