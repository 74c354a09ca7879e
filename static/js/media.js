// Photos and drawings on the tablet. A chosen image is made small at once (longest side 2,048 px,
// redrawn in a canvas, which also leaves its EXIF and GPS behind), kept in IndexedDB with the
// draft, moved to the outbox with its entry on "Save", and sent once its entry has reached the
// server (POST /api/v1/media, idempotent by the image's id like entries are). On the device the
// picture and its caption are sealed (vault.js); id, owner, entry, status and size are not.
import { database, tally } from './store.js';
import { open, openBytes, seal, sealBytes } from './vault.js';

const LONGEST_SIDE = 2048;
const JPEG_QUALITY = 0.85;
const SLOT_NAME = /^(.*images-\d+-)(camera|file)$/;

export class NotAnImage extends Error {}

// The browser applies the EXIF orientation when it decodes, so the redrawn image stands upright.
export async function downscale(file) {
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode().catch(() => { throw new NotAnImage(); });
    const scale = Math.min(1, LONGEST_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
    const canvas = Object.assign(document.createElement('canvas'), {
      width: Math.round(image.naturalWidth * scale), height: Math.round(image.naturalHeight * scale),
    });
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve, reject) => canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new NotAnImage())), 'image/jpeg', JPEG_QUALITY));
  } finally {
    URL.revokeObjectURL(url);
  }
}

const kilobytes = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en-GB')} KB`;

function slotMessage(slotElement, text, isError) {
  slotElement.querySelector('[data-image-message]')?.remove();
  if (!text) return;
  const message = Object.assign(document.createElement('p'), {
    className: isError ? 'error-message' : 'hint', textContent: text,
  });
  message.dataset.imageMessage = '';
  if (isError) message.setAttribute('role', 'alert');
  slotElement.append(message);
}

function showPreview(slotElement, chosen, onRemove) {
  slotElement.querySelector('[data-image-preview]')?.remove();
  if (!chosen) return;
  const preview = document.createElement('div');
  preview.dataset.imagePreview = '';
  const url = URL.createObjectURL(chosen.blob);
  const image = Object.assign(document.createElement('img'), { src: url, alt: 'The chosen image', className: 'image-preview' });
  image.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'button-quiet', textContent: 'Remove this image' });
  remove.addEventListener('click', onRemove);
  preview.append(image, Object.assign(document.createElement('p'), {
    className: 'hint', textContent: `Kept on this tablet, ready to send (${kilobytes(chosen.blob.size)}).`,
  }), remove);
  slotElement.append(preview);
}

// The images chosen on one recording page, by slot ("observations-0-images-1-"). With a draft
// key they are kept in IndexedDB as the practitioner chooses them, so a reload loses none.
export class ChosenImages {
  constructor(form, draftKey = null) {
    this.form = form;
    this.draftKey = draftKey;
    this.bySlot = new Map();
    form.addEventListener('change', (event) => this.#chosen(event.target));
  }

  #slotElement(slot) {
    return this.form.querySelector(`[data-image-slot="${slot}"]`);
  }

  async #chosen(input) {
    const slot = input.type === 'file' && input.name.match(SLOT_NAME)?.[1];
    const file = slot && input.files[0];
    if (!file) return;
    const slotElement = this.#slotElement(slot);
    slotMessage(slotElement, 'Preparing the image…', false);
    let blob;
    try {
      blob = await downscale(file);
    } catch {
      input.value = '';
      slotMessage(slotElement, 'This file is not a photo or drawing this tablet can read. Choose a JPEG, PNG or WebP image, or take the photo again.', true);
      return;
    }
    input.value = '';
    await this.#keep(slot, { id: crypto.randomUUID(), blob, originalSize: file.size });
  }

  async #keep(slot, chosen) {
    const earlier = this.bySlot.get(slot);
    this.bySlot.set(slot, chosen);
    const db = await database();
    if (earlier) await db.delete('media', earlier.id);
    if (this.draftKey) {
      await db.put('media', {
        id: chosen.id, draftKey: this.draftKey, slot, status: 'draft', savedAt: Date.now(),
        type: chosen.blob.type, size: chosen.blob.size, originalSize: chosen.originalSize,
        image: await sealBytes(await chosen.blob.arrayBuffer()),
      });
    }
    const slotElement = this.#slotElement(slot);
    slotElement.closest('details')?.setAttribute('open', '');
    slotMessage(slotElement, null);
    showPreview(slotElement, chosen, () => this.#remove(slot));
  }

  async #remove(slot) {
    const chosen = this.bySlot.get(slot);
    this.bySlot.delete(slot);
    if (chosen) await (await database()).delete('media', chosen.id);
    showPreview(this.#slotElement(slot), null);
  }

  // A resumed draft brings back its images, now kept under this page's draft.
  async restore(oldDraftKey) {
    const db = await database();
    const kept = await db.getAllFromIndex('media', 'byDraft', oldDraftKey);
    for (const record of kept) {
      if (!record.image || !this.#slotElement(record.slot)) continue;
      await this.#keep(record.slot, { id: record.id, blob: await imageBlob(record), originalSize: record.originalSize });
    }
  }

  // The outbox records of the chosen images, each tied to the item whose fields hold its slot.
  recordsFor(userId, items) {
    const records = [];
    for (const item of items) {
      for (const [slot, chosen] of this.bySlot) {
        const owner = slot.slice(0, slot.search(/images-\d+-$/));
        if (owner !== (item.prefix ?? '') || !this.#slotElement(slot)) continue;
        const value = (name) => this.form.elements[`${slot}${name}`];
        records.push(waitingImage(userId, item.id, chosen, {
          kind: [...value('kind')].find((radio) => radio.checked)?.value ?? 'photo',
          caption: value('caption').value.trim(),
        }));
      }
    }
    return Promise.all(records);
  }
}

// An image ready to send once its entry has: { id, blob, originalSize } and { kind, caption }.
export async function waitingImage(userId, entryId, { id, blob, originalSize }, about) {
  return {
    id, userId, entryId, status: 'waiting', createdAt: Date.now(), type: blob.type, size: blob.size,
    originalSize, sealed: await seal({ ...about, error: null }),
    image: await sealBytes(await blob.arrayBuffer()),
  };
}

// Only sealed images are read: one that is not was planted, never written by the app.
const isSealed = (record) => Boolean(record.sealed && record.image);

export async function imageBlob(record) {
  return new Blob([await openBytes(record.image)], { type: record.type });
}

export async function discardDraftImages(draftKey) {
  const db = await database();
  const tx = db.transaction('media', 'readwrite');
  for (const key of await tx.store.index('byDraft').getAllKeys(draftKey)) await tx.store.delete(key);
  await tx.done;
}

export async function discardImage(id) {
  await (await database()).delete('media', id);
}

export async function imageCounts(userId, stuckBefore) {
  if (!userId) return tally([]);
  const records = await (await database()).getAllFromIndex('media', 'byUser', userId);
  return tally(records.filter(isSealed), stuckBefore);
}

// The user's images waiting or refused, with their caption, kind and refusal opened.
export async function imagesOf(userId) {
  if (!userId) return [];
  const records = await (await database()).getAllFromIndex('media', 'byUser', userId);
  return Promise.all(records.filter((record) => record.status !== 'draft' && isSealed(record))
    .map(async (record) => ({ ...record, ...(await open(record.sealed)) })));
}

// Send each waiting image whose entry has left the outbox (the server has it). Answers: kept
// (201, or 200 for a retry) leaves the device; "entry not synced yet" (409) waits; a refusal
// stays on the device with the reason; a server or network failure throws, for back-off.
export async function sendImages(me, onSignedOut) {
  const db = await database();
  for (const record of await imagesOf(me.id)) {
    if (record.status !== 'waiting' || (await db.get('outbox', record.entryId))) continue;
    const body = new FormData();
    body.append('id', record.id);
    body.append('entry_id', record.entryId);
    body.append('kind', record.kind);
    body.append('caption', record.caption);
    body.append('file', await imageBlob(record), record.id);
    const response = await fetch('/api/v1/media', {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'X-CSRFToken': me.csrf_token }, body,
    });
    if (response.status === 401) throw onSignedOut();
    if (response.status >= 500) throw new Error(`media answered ${response.status}`);
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      await db.delete('media', record.id);
    } else if (answer.error !== 'entry_not_synced') {
      const error = answer.message ?? `The server answered ${response.status}.`;
      const { kind, caption, sealed, image, ...clear } = record;
      await db.put('media', { ...clear, sealed: await seal({ kind, caption, error }), image, status: 'rejected' });
    }
  }
}
