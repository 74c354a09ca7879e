// The device key. Every record in IndexedDB that holds personal data is sealed with AES-GCM (a
// fresh random IV each time) under a random data key. The data key is stored only wrapped, by a
// key derived from the user's offline passphrase (PBKDF2-SHA256, 600,000 iterations, a salt per
// user), so the passphrase can change without sealing everything again. Unwrapped, the key
// lives only in memory: this page's, and the service worker's while open pages keep it awake,
// so that going from page to page does not ask again. Nothing here is ever written unwrapped.
import { database, forgetMeta } from './store.js';

const ITERATIONS = 600_000;
export const MAX_FAILURES = 5;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let unlocked = null; // { userId, key }
let lockMs = 15 * 60 * 1000;

// How long the key may stay unused (the server's DAILYLIFE_OFFLINE_LOCK_SECONDS).
export function setLockTime(milliseconds) {
  lockMs = milliseconds;
}

export class Locked extends Error {}

const random = (bytes) => crypto.getRandomValues(new Uint8Array(bytes));

async function wrappingKey(passphrase, salt, iterations) {
  const material = await crypto.subtle.importKey('raw', encoder.encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material, { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
}

export async function hasVault(userId) {
  return Boolean(userId && (await (await database()).get('vaults', userId)));
}

// First sign-in on this device: a new data key, wrapped by the chosen passphrase.
export async function createVault(userId, passphrase) {
  const salt = random(16);
  const iv = random(12);
  const dataKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, await wrappingKey(passphrase, salt, ITERATIONS), { name: 'AES-GCM', iv });
  await (await database()).put('vaults', { userId, salt, iv, iterations: ITERATIONS, wrapped, failures: 0, createdAt: Date.now() });
  return unlock(userId, passphrase);
}

// The right passphrase unwraps the key (AES-GCM authenticates: a wrong one fails, never
// yields a wrong key). Answers { ok } or { ok: false, failures } counted on the device.
export async function unlock(userId, passphrase) {
  const db = await database();
  const vault = await db.get('vaults', userId);
  if (!vault) return { ok: false, failures: 0 };
  try {
    const key = await crypto.subtle.unwrapKey('raw', vault.wrapped, await wrappingKey(passphrase, vault.salt, vault.iterations),
      { name: 'AES-GCM', iv: vault.iv }, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    if (vault.failures) await db.put('vaults', { ...vault, failures: 0 });
    keep(userId, key);
    return { ok: true };
  } catch {
    const failures = vault.failures + 1;
    await db.put('vaults', { ...vault, failures });
    return { ok: false, failures };
  }
}

// A new passphrase wraps the same data key: nothing sealed needs sealing again. Answers false
// when the current passphrase is wrong (not counted as a failed unlock: the key is in memory).
export async function changePassphrase(userId, current, next) {
  const db = await database();
  const vault = await db.get('vaults', userId);
  let dataKey;
  try {
    dataKey = await crypto.subtle.unwrapKey('raw', vault.wrapped, await wrappingKey(current, vault.salt, vault.iterations),
      { name: 'AES-GCM', iv: vault.iv }, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  } catch {
    return false;
  }
  const salt = random(16);
  const iv = random(12);
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, await wrappingKey(next, salt, ITERATIONS), { name: 'AES-GCM', iv });
  await db.put('vaults', { ...vault, salt, iv, iterations: ITERATIONS, wrapped, failures: 0 });
  return true;
}

// The service worker, once active (on the very first page it may still be installing).
const toWorker = (message) => navigator.serviceWorker?.ready.then((registration) => registration.active?.postMessage(message));

function keep(userId, key) {
  unlocked = { userId, key };
  toWorker({ type: 'vault:keep', userId, key, lockMs });
}

// A new release's service worker takes over with nothing in memory: hand it the key, so the
// next page does not ask again.
navigator.serviceWorker?.addEventListener('controllerchange', () => {
  if (unlocked) toWorker({ type: 'vault:keep', userId: unlocked.userId, key: unlocked.key, lockMs });
});

// A page just opened: the service worker may hold the key from the page before.
export async function resume(userId) {
  if (unlockedFor(userId)) return true;
  const registration = await navigator.serviceWorker?.getRegistration();
  const worker = navigator.serviceWorker?.controller ?? registration?.active;
  if (!worker) return false;
  const key = await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data?.key ?? null);
    worker.postMessage({ type: 'vault:ask', userId }, [channel.port2]);
    // A live worker answers at once (null when it holds no key); waking a busy tablet's worker
    // can take a second or two, and giving up early asks for the passphrase for nothing.
    setTimeout(() => resolve(null), 4000);
  });
  if (key) unlocked = { userId, key };
  return Boolean(key);
}

export function lock() {
  unlocked = null;
  toWorker({ type: 'vault:forget' });
}

// While a page is open and unlocked, it keeps the service worker (and so the key) awake.
export function touch() {
  if (unlocked) toWorker({ type: 'vault:touch' });
}

export const unlockedFor = (userId) => Boolean(unlocked && unlocked.userId === userId);
export const unlockedUser = () => unlocked?.userId ?? null;

function currentKey() {
  if (!unlocked) throw new Locked();
  return unlocked.key;
}

export async function sealBytes(bytes) {
  const iv = random(12);
  return { iv, data: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, currentKey(), bytes) };
}

export async function openBytes(sealed) {
  return crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, currentKey(), sealed.data);
}

export const seal = (value) => sealBytes(encoder.encode(JSON.stringify(value)));
export const open = async (sealed) => JSON.parse(decoder.decode(await openBytes(sealed)));

// The key goes, and what only it opened that is not a record of theirs (rescue.js's proof).
export async function forgetVault(userId) {
  await (await database()).delete('vaults', userId);
  await forgetMeta(`unsentProof|${userId}`);
  if (unlockedFor(userId)) lock();
}
