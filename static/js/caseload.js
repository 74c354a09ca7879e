// The caseload brief on the device: refreshed from the server on each signed-in page load,
// read by the offline caseload and child pages.
import { currentUserId, database } from './store.js';

export async function refreshBriefs(userId) {
  const response = await fetch('/api/v1/cases', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return;
  const { cases } = await response.json();
  const db = await database();
  const tx = db.transaction('briefs', 'readwrite');
  const stale = await tx.store.index('byUser').getAllKeys(userId);
  await Promise.all(stale.map((key) => tx.store.delete(key)));
  await Promise.all(cases.map((brief) => tx.store.put({ key: `${userId}|${brief.id}`, userId, brief })));
  await tx.done;
}

export async function briefsOf(userId) {
  const records = await (await database()).getAllFromIndex('briefs', 'byUser', userId);
  return records.map((record) => record.brief).sort((a, b) => a.name.localeCompare(b.name));
}

export async function briefOf(childId) {
  const userId = await currentUserId();
  const record = userId && (await (await database()).get('briefs', `${userId}|${childId}`));
  return record?.brief ?? null;
}
