// The child-mode lock on the device: the adult's PIN, checked here when the server cannot check
// it (offline, or child mode began offline). The server holds its own mark and verifier
// (voice/child_lock.py); the service worker reads the lock's path from IndexedDB (meta
// "childMode") to refuse, offline too, every other page while the child holds the tablet.
// The PIN is the adult's choice for this handover, never their password (a password verifier kept
// on the device could be attacked at leisure). It is stored only as a salted PBKDF2 hash, in
// localStorage, so that closing and reopening the app does not unlock it, and it is removed when
// child mode ends. A few digits cannot resist someone with the browser's developer tools; the
// lock is against a child leaving the screen, and wrong guesses make the next try wait.
import { forgetMeta, setMeta } from './store.js';

const KEY = 'dailylife-child-mode';
const WORKER_KEY = 'childMode';
const ITERATIONS = 100_000;
const FREE_TRIES = 3;
const WAIT_MS = 30_000;

export const validPin = (pin) => /^\d{4,8}$/.test(pin);

const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const fromBase64 = (text) => Uint8Array.from(atob(text), (character) => character.charCodeAt(0));

async function hashOf(pin, salt) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  return toBase64(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ITERATIONS }, key, 256));
}

export function currentLock() {
  try {
    return JSON.parse(localStorage.getItem(KEY));
  } catch {
    return null;
  }
}

const keep = (lock) => localStorage.setItem(KEY, JSON.stringify(lock));

// `details`: what the saved entries need (child, user, sharing); the path is where the child stays.
export async function lock(pin, details) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  keep({ ...details, path: window.location.pathname, salt: toBase64(salt), hash: await hashOf(pin, salt), failures: 0, waitUntil: 0 });
  await setMeta(WORKER_KEY, window.location.pathname);
}

// { ok: true } or { ok: false, waitSeconds } (0 when the next try may come at once);
// `unchecked` when the PIN was not even looked at, because wrong tries make this one wait.
export async function tryPin(pin) {
  const record = currentLock();
  if (!record) return { ok: true };
  const waiting = record.waitUntil - Date.now();
  if (waiting > 0) return { ok: false, unchecked: true, waitSeconds: Math.ceil(waiting / 1000) };
  if (validPin(pin) && (await hashOf(pin, fromBase64(record.salt))) === record.hash) return { ok: true };
  const failures = record.failures + 1;
  const waitUntil = failures >= FREE_TRIES ? Date.now() + WAIT_MS : 0;
  keep({ ...record, failures, waitUntil });
  return { ok: false, waitSeconds: waitUntil ? WAIT_MS / 1000 : 0 };
}

export async function release() {
  localStorage.removeItem(KEY);
  await forgetMeta(WORKER_KEY);
}
