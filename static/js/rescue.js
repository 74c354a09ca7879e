// Entries stuck on the tablet. What has waited longer than the server's stuck time (24 hours
// by default) is shown prominently, and the practitioner can export everything unsent into a
// file for their supervisor: sealed with a fresh AES-GCM key, that key wrapped with RSA-OAEP to
// the server's public key, so only the server opens it (dailylife/rescue/unsent_file.py). The
// entries stay on the tablet until the server has them; importing and later syncing both count
// each entry once.
import { imageBlob, imageCounts, imagesOf } from './media.js';
import { countsOf, itemsOf } from './outbox.js';
import { deviceId, getMeta, setMeta } from './store.js';
import { open, seal } from './vault.js';

const FORMAT = 'dailylife-unsent/1';
const encoder = new TextEncoder();

// Kept for the day the tablet is out of signal: the server's public key (not secret), and the
// user's proof that an export holds their own entries (sealed: it speaks for them).
export async function keepUnsentKey(userId) {
  if (await getMeta(`unsentProof|${userId}`)) return;
  const response = await fetch('/api/v1/unsent-key', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return;
  const { author_proof: proof, ...published } = await response.json();
  await setMeta('unsentKey', published);
  await setMeta(`unsentProof|${userId}`, await seal(proof));
}

// What was written before this has waited too long (the server's stuck time).
export async function stuckBefore() {
  return Date.now() - ((await getMeta('stuckHours')) ?? 24) * 3600 * 1000;
}

// How many of the user's entries and images have waited longer than the stuck time.
export async function stuckCount(userId) {
  const before = await stuckBefore();
  return (await countsOf(userId, before)).stuck + (await imageCounts(userId, before)).stuck;
}

function base64(bytes) {
  const view = new Uint8Array(bytes);
  let text = '';
  for (let start = 0; start < view.length; start += 0x8000) {
    text += String.fromCharCode(...view.subarray(start, start + 0x8000));
  }
  return btoa(text);
}

const bytesOf = (text) => Uint8Array.from(atob(text), (character) => character.charCodeAt(0));

async function contentsFor(userId, proof) {
  const records = await itemsOf(userId);
  const images = await imagesOf(userId);
  return {
    user_id: userId, author_proof: proof, device_id: await deviceId(), exported_at: new Date().toISOString(),
    items: records.map((record) => record.item),
    images: await Promise.all(images.map(async (record) => ({
      id: record.id, entry_id: record.entryId, kind: record.kind, caption: record.caption,
      data: base64(await (await imageBlob(record)).arrayBuffer()),
    }))),
  };
}

// Everything of the user's that has not reached the server, as a file only the server opens.
export async function exportUnsent(userId) {
  const published = await getMeta('unsentKey');
  const proof = await getMeta(`unsentProof|${userId}`);
  if (!published || !proof) throw new Error('This tablet does not have the server’s key yet: it is fetched the next time you sign in online.');
  const serverKey = await crypto.subtle.importKey('spki', bytesOf(published.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['wrapKey']);
  const fileKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = encoder.encode(JSON.stringify(await contentsFor(userId, await open(proof))));
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(FORMAT) }, fileKey, plain);
  const wrapped = await crypto.subtle.wrapKey('raw', fileKey, serverKey, { name: 'RSA-OAEP' });
  const file = JSON.stringify({
    format: FORMAT, key_id: published.key_id, wrapped_key: base64(wrapped), iv: base64(iv), ciphertext: base64(ciphertext),
  });
  return new Blob([file], { type: 'application/octet-stream' });
}

export async function downloadUnsent(userId) {
  const url = URL.createObjectURL(await exportUnsent(userId));
  const link = Object.assign(document.createElement('a'), {
    href: url, download: `dailylife-unsent-${new Date().toISOString().slice(0, 10)}.dailylife`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
