// Filling the shell pages (served by the service worker when offline) from IndexedDB.
// Everything is written with textContent: what a practitioner typed is never read as HTML.
import { briefOf, briefsOf } from './caseload.js';
import { discardImage, imagesOf } from './media.js';
import { discard, itemsOf, resend } from './outbox.js';
import { offerPassphraseChange } from './device.js';
import { downloadUnsent, stuckCount } from './rescue.js';
import { currentUserId, getMeta } from './store.js';
import { syncNow } from './sync.js';

const childIdInPath = () => window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})/)?.[1];
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('en-GB', { dateStyle: 'medium' }) : 'None recorded');
const element = (tag, text, props = {}) => Object.assign(document.createElement(tag), { textContent: text ?? '', ...props });

async function renderCaseload(list) {
  const briefs = await briefsOf(await currentUserId());
  document.querySelector('[data-offline-empty]').hidden = briefs.length > 0;
  list.replaceChildren(...briefs.map((brief) => {
    const card = element('li', '', { className: 'card' });
    const heading = element('h2');
    heading.append(element('a', brief.name, { href: `/cases/${brief.id}` }));
    // An advocate's brief holds no legal status and no visits (DESIGN.md section 5).
    card.append(heading, element('p', [brief.age, brief.legal_status_label].filter(Boolean).join(' · ')));
    if ('last_visit' in brief) card.append(element('p', `Last visit: ${day(brief.last_visit)}`));
    return card;
  }));
}

async function renderChild(container) {
  const brief = await briefOf(childIdInPath());
  document.querySelector('[data-offline-empty]').hidden = Boolean(brief);
  container.hidden = !brief;
  if (!brief) return;
  for (const field of container.querySelectorAll('[data-field]')) {
    const value = brief[field.dataset.field];
    // What the brief leaves out for this user (an advocate: the record) is left off the page.
    const fact = field.closest('dl > div, section');
    if (fact) fact.hidden = !(field.dataset.field in brief);
    if (field.dataset.field === 'household') {
      field.replaceChildren(...(value ?? []).map((member) => element('li',
        `${member.name} — ${member.relationship}${member.risk_factors.length ? ` (known risks: ${member.risk_factors.join(', ')})` : ''}`)));
    } else if (field.dataset.field === 'unverified') {
      field.replaceChildren(...(value ?? []).map((report) => element('li', `${day(report.occurred_at)}: ${report.text}`)));
    } else if (field.dataset.field.startsWith('last_')) {
      field.textContent = day(value);
    } else {
      field.textContent = value ?? 'Not recorded';
    }
  }
  const may = (action) => (brief.actions ?? ['record']).includes(action);
  Object.assign(container.querySelector('[data-record-visit]'), { href: `/cases/${brief.id}/visits/new`, hidden: !may('record') });
  Object.assign(container.querySelector('[data-child-mode]'), { href: `/cases/${brief.id}/child-mode`, hidden: !may('record_voice') });
}

function describeItem(record) {
  const { item } = record;
  const text = item.data.text ?? item.data.words ?? item.data.summary ?? item.data.reason ?? item.data.type ?? '';
  return `${item.kind.replace('_', ' ')} of ${day(item.occurred_at)}: ${text}`;
}

function rejectedCard(record, redraw) {
  const card = element('form', '', { className: 'card stack' });
  card.append(element('p', describeItem(record)));
  for (const [field, messages] of Object.entries(record.errors ?? {})) {
    card.append(element('p', `${field}: ${messages.join(' ')}`, { className: 'error-message' }));
  }
  const editable = Object.entries(record.item.data).filter(([, value]) => typeof value === 'string');
  const inputs = editable.map(([key, value]) => {
    const id = `${record.id}-${key}`;
    const wrapper = element('div', '', { className: 'field' });
    wrapper.append(element('label', key.replaceAll('_', ' '), { htmlFor: id }),
      element('textarea', value, { id, name: key }));
    card.append(wrapper);
    return wrapper.querySelector('textarea');
  });
  const again = element('button', 'Send again', { type: 'submit', className: 'button' });
  const drop = element('button', 'Discard', { type: 'button', className: 'button-quiet' });
  card.append(again, drop);
  card.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = { ...record.item.data };
    for (const input of inputs) data[input.name] = input.value;
    await resend(record.id, { ...record.item, data });
    await syncNow();
    await redraw();
  });
  drop.addEventListener('click', async () => {
    if (!window.confirm('Discard this entry? It has not reached the server and will be gone for good.')) return;
    await discard(record.id);
    await redraw();
  });
  return card;
}

function imageLine(record, redraw) {
  const line = element('li', `${record.kind === 'drawing' ? 'Drawing' : 'Photo'}${record.caption ? `: ${record.caption}` : ''}`);
  if (record.status !== 'rejected') return line;
  line.append(element('p', record.error, { className: 'error-message' }));
  const drop = element('button', 'Discard this image', { type: 'button', className: 'button-quiet' });
  drop.addEventListener('click', async () => {
    if (!window.confirm('Discard this image? It has not reached the server and will be gone for good.')) return;
    await discardImage(record.id);
    await redraw();
  });
  line.append(drop);
  return line;
}

async function renderStuck(userId) {
  const stuck = await stuckCount(userId);
  const section = document.querySelector('[data-stuck]');
  section.hidden = stuck === 0;
  const hours = (await getMeta('stuckHours')) ?? 24;
  section.querySelector('[data-stuck-count]').textContent =
    `${stuck === 1 ? '1 entry or image has' : `${stuck} entries and images have`} waited more than ${hours} hours to reach the server.`;
}

function offerExport() {
  const problem = document.querySelector('[data-export-problem]');
  document.querySelector('[data-export-unsent]')?.addEventListener('click', async () => {
    problem.hidden = true;
    try {
      await downloadUnsent(await currentUserId());
    } catch (error) {
      Object.assign(problem, { textContent: error.message, hidden: false });
    }
  });
}

async function renderOutbox() {
  const redraw = renderOutbox;
  const userId = await currentUserId();
  await renderStuck(userId);
  const images = await imagesOf(userId);
  document.querySelector('[data-outbox="images"]').replaceChildren(
    ...(images.length ? images.map((record) => imageLine(record, redraw)) : [element('li', 'No images waiting.')]));
  const records = await itemsOf(userId);
  const rejected = records.filter((record) => record.status === 'rejected');
  const waiting = records.filter((record) => record.status === 'waiting');
  document.querySelector('[data-outbox="rejected"]').replaceChildren(
    ...(rejected.length ? rejected.map((record) => rejectedCard(record, redraw)) : [element('p', 'Nothing needs attention.')]));
  document.querySelector('[data-outbox="waiting"]').replaceChildren(
    ...(waiting.length ? waiting.map((record) => element('li', describeItem(record))) : [element('li', 'Nothing is waiting.')]));
}

export function fillShellPages() {
  const caseload = document.querySelector('[data-offline-caseload]');
  if (caseload) return renderCaseload(caseload);
  const child = document.querySelector('[data-offline-child]');
  if (child) return renderChild(child);
  if (document.querySelector('[data-outbox]')) {
    offerExport();
    currentUserId().then((userId) => offerPassphraseChange(document.querySelector('[data-change-passphrase]'), userId));
    document.querySelector('[data-sync-now]').addEventListener('click', async () => {
      await syncNow();
      await renderOutbox();
    });
    return renderOutbox();
  }
  return null;
}
