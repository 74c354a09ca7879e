// Filling the shell pages (served by the service worker when offline) from IndexedDB.
// Everything is written with textContent: what a practitioner typed is never read as HTML.
import { briefOf, briefsOf } from './caseload.js';
import { discardImage, imagesOf } from './media.js';
import { discard, itemsOf } from './outbox.js';
import { offerPassphraseChange } from './device.js';
import { downloadUnsent, stuckCount } from './rescue.js';
import { publishedRules } from './rules.js';
import { currentUserId, getMeta } from './store.js';
import { onSyncChange, syncNow } from './sync.js';

const childIdInPath = () => window.location.pathname.match(/^\/cases\/([0-9a-f-]{36})/)?.[1];
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('en-GB', { dateStyle: 'medium' }) : 'None recorded');
const element = (tag, text, props = {}) => Object.assign(document.createElement(tag), { textContent: text ?? '', ...props });

// The signals meant for the reader, in the order and words the server gave (children.caseload).
const signalItem = (signal) => {
  const item = element('li', '', { className: `signal urgency-${signal.urgency}` });
  item.dataset.signal = signal.id;
  item.append(element('strong', signal.label, { className: 'signal-label' }), ' ',
    element('span', signal.detail, { className: 'signal-detail' }));
  return item;
};
const signalList = (signals) => {
  const list = element('ul', '', { className: 'signals' });
  list.append(...signals.map(signalItem));
  return list;
};

// A card as the online caseload shows it; an advocate's brief holds no legal status, visits or
// signals (DESIGN.md section 5), so their card has the child's name and age.
function caseloadCard(brief) {
  const card = element('li', '', { className: 'card' });
  card.dataset.names = `${brief.name} ${brief.preferred_name ?? ''}`;
  const heading = element('h2');
  heading.append(element('a', brief.name, { className: 'card-name', href: `/cases/${brief.id}` }));
  if (brief.preferred_name) heading.append(' ', element('span', `known as ${brief.preferred_name}`, { className: 'known-as' }));
  card.append(heading, element('p', [brief.age, brief.legal_status_label].filter(Boolean).join(' · ')));
  if (!('next_visit_words' in brief)) return card;
  const nextVisit = element('p', brief.next_visit_words, { className: 'next-visit' });
  if (brief.missed_visit) {
    nextVisit.classList.add('is-overdue');
    nextVisit.dataset.signal = brief.missed_visit;
  }
  card.append(nextVisit, element('p', `Last visit: ${day(brief.last_visit)}`));
  if (brief.card_signals.length) card.append(signalList(brief.card_signals));
  if (brief.more_signals.length) {
    const details = element('details', '', { className: 'more-signals' });
    details.append(element('summary', `${brief.more_signals.length} more`), signalList(brief.more_signals));
    card.append(details);
  }
  return card;
}

async function renderCaseload(list) {
  const briefs = await briefsOf(await currentUserId());
  document.querySelector('[data-offline-empty]').hidden = briefs.length > 0;
  list.replaceChildren(...briefs.map(caseloadCard));
}

// The checks of reports saved on this tablet and not yet accepted: report id -> its status.
async function checksWaiting(userId) {
  const records = userId ? await itemsOf(userId) : [];
  return new Map(records.filter(({ item }) => item.kind === 'amendment' && 'triangulation' in item.data)
    .map(({ item, status }) => [item.amends_id, status]));
}

// The report's check form, made from the page's one <template> (the server's form): each
// report's fields get ids of their own, so each label names its own field.
function checkForm(report, labelledBy) {
  const form = document.querySelector('template[data-check-form]').content.querySelector('form').cloneNode(true);
  const prefix = `check-${report.id}-`;
  form.querySelectorAll('[id]').forEach((control) => { control.id = prefix + control.id; });
  form.querySelectorAll('label[for]').forEach((label) => { label.htmlFor = prefix + label.htmlFor; });
  form.querySelectorAll('[aria-describedby]').forEach((control) => control.setAttribute('aria-describedby',
    control.getAttribute('aria-describedby').split(' ').map((id) => prefix + id).join(' ')));
  form.dataset.amends = report.id;
  form.setAttribute('aria-labelledby', labelledBy);
  form.elements.based_on.value = report.based_on ?? report.id;
  return form;
}

const checkStateWords = (status) => (status === 'waiting'
  ? 'Your check is saved on this tablet: it is sent as soon as there is a connection.'
  : 'Your check of this report needs attention: see “Waiting to send”.');

function reportItem(report, checkStatus) {
  const item = element('li', '', { className: 'report', id: `report-${report.id}` });
  const heading = `report-${report.id}-heading`;
  const words = `report-${report.id}-words`;
  item.append(element('p', `${day(report.occurred_at)} · ${report.source_detail ?? 'Reported'}`, { className: 'report-link', id: heading }),
    element('blockquote', report.text, { className: 'reported keep-lines', id: words }),
    checkStatus ? element('p', checkStateWords(checkStatus), { className: 'hint', role: 'status' }) : checkForm(report, `${heading} ${words}`));
  return item;
}

// Risk factors in the words of the published declaration, never their stored codes.
async function riskWords() {
  const answers = (await publishedRules())?.kinds.household_change?.answers?.risk_factors ?? {};
  return (code) => answers[code] ?? code.replaceAll('_', ' ');
}

// A standing fact of the child's history, in the words of the online page (_history_flags.html).
function historyFlagItem(flag) {
  const item = element('li', '', { className: 'history-flag' });
  item.dataset.historyFlag = flag.what;
  item.append(element('strong', flag.what_label), ` — ${flag.about_words}${flag.when ? `, ${flag.when}` : ''}.`,
    element('span', `Known from: ${flag.source}.`, { className: 'history-flag-source' }));
  if (flag.details) item.append(element('span', flag.details, { className: 'history-flag-details' }));
  item.append(element('span', `Recorded ${day(flag.recorded_at)} by ${flag.recorded_by}.`, { className: 'hint' }));
  return item;
}

// The lists the brief carries only the first few of: how many there are in all, and where the
// chronology lists them (the words of the online page, children/_first_few.html).
const THE_REST = {
  unverified_count: {
    list: 'unverified', what: 'reports waiting to be checked, oldest first',
    link: (count, atLeast) => (atLeast ? 'All of them in the chronology' : `All ${count} in the chronology`),
    filter: 'triangulation=unverified',
  },
  household_count: {
    list: 'household', what: 'people in the household, those with known risks first',
    link: () => 'Every household change in the chronology', filter: 'kind=household_change',
  },
};

function showTheRest(field, brief) {
  const rest = THE_REST[field.dataset.field];
  const shown = brief[rest.list]?.length ?? 0;
  const count = brief[field.dataset.field] ?? shown;
  field.hidden = count <= shown;
  // Counted up to a limit, a long list says "500 or more".
  const atLeast = brief[`${field.dataset.field}_at_least`] ?? false;
  const words = count.toLocaleString('en-GB');
  field.replaceChildren(`Showing ${shown} of ${words}${atLeast ? ' or more' : ''} ${rest.what}. `,
    element('a', rest.link(words, atLeast), { href: `/cases/${brief.id}/chronology?${rest.filter}` }));
}

async function renderChild(container) {
  const brief = await briefOf(childIdInPath());
  document.querySelector('[data-offline-empty]').hidden = Boolean(brief);
  container.hidden = !brief;
  if (!brief) return;
  for (const field of container.querySelectorAll('[data-field]')) {
    if (field.dataset.field in THE_REST) {
      showTheRest(field, brief);
      continue;
    }
    const value = brief[field.dataset.field];
    // What the brief leaves out for this user (an advocate: the record) is left off the page.
    const fact = field.closest('dl > div, section');
    if (fact) fact.hidden = !(field.dataset.field in brief);
    if (field.dataset.field === 'history_flags') {
      field.replaceChildren(...(value ?? []).map(historyFlagItem));
      if (fact) fact.hidden = !value?.length;
    } else if (field.dataset.field === 'household') {
      const risks = await riskWords();
      field.replaceChildren(...(value ?? []).map((member) => element('li',
        `${member.name} — ${member.relationship}${member.risk_factors.length ? ` (known risks: ${member.risk_factors.map(risks).join(', ')})` : ''}`)));
    } else if (field.dataset.field === 'unverified') {
      const checks = await checksWaiting(await currentUserId());
      field.replaceChildren(...(value ?? []).map((report) => reportItem(report, checks.get(report.id))));
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

const moment = (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

// The pages an entry is recorded on. Only the visit page works offline (its shell is precached).
const PAGES = {
  visit: 'visits/new', observation: 'observations/new', voice: 'voice/new',
  household_change: 'household/new', move: 'moves/new', escalation: 'escalations/new',
  contact: 'contacts/new', measurement: 'measurements/new',
};
// A correction opens the entry's correction page; a check of reported information its check page.
function pageOf({ kind, child_id: childId, amends_id: amendsId, data }) {
  if (kind !== 'amendment') return `/cases/${childId}/${PAGES[kind]}`;
  return `/cases/${childId}/entries/${amendsId}/${'triangulation' in data ? 'triangulate' : 'amend'}`;
}

// The server names what it could not accept in an item's envelope for programs: said in words.
const ENVELOPE_WORDS = {
  id: 'The server already holds a different entry under the same identity, and changed nothing.',
  child_id: 'The server does not know the child it is about.',
  visit_id: 'The visit it belongs to has not reached the server.',
  amends_id: 'The entry it corrects is not one you can correct.',
  occurred_at: 'When it happened is missing, or not a date and time the server accepts.',
  recorded_at: 'When it was written down is missing, or not a date and time the server accepts.',
};
const FORBIDDEN = 'You can no longer record about this child (they may have been reallocated). Export it for your team manager, or discard it.';
const DISCARD = 'Discard this entry? It has not reached the server and will be gone for good.';

// How the page names things: the child (from the caseload brief), the kind and each question
// (from the published rules).
async function wordsFor(records) {
  const rules = await publishedRules();
  const children = new Map();
  const named = records.flatMap(({ item }) => [item.child_id, ...(item.data.also_for ?? [])]);
  for (const childId of new Set(named)) children.set(childId, (await briefOf(childId))?.name);
  // A check of reported information is a correction with questions of its own.
  const checkQuestions = Object.assign({}, ...Object.values(rules?.checks ?? {}).map((check) => check.labels));
  return {
    child: (id) => children.get(id) ?? 'a child no longer on your caseload',
    kind: (kind) => rules?.kinds[kind]?.label ?? 'Entry',
    question: (kind, key) => rules?.kinds[kind]?.labels?.[key] ?? checkQuestions[key] ?? 'Another answer',
    moments: Object.values(rules?.envelope.messages ?? {}),
  };
}

// The child's own words stay in quotation marks, as on every page that shows them.
function describeItem(item, words) {
  const text = item.data.words ? `“${item.data.words}”` : item.data.text ?? item.data.reason ?? item.data.name ?? '';
  const when = moment(item.occurred_at ?? item.recorded_at);
  // Recorded once for brothers and sisters: each is named, as the child is.
  const also = (item.data.also_for ?? []).map(words.child);
  const about = also.length ? `${words.child(item.child_id)}, also for ${also.join(', ')}` : words.child(item.child_id);
  return `${words.kind(item.kind)} · ${about} · ${when}${text ? `: ${text}` : ''}`;
}

// Each of the server's reasons next to the question it is about. A refused visit makes its
// parts refused too ("visit_id"): the visit's own reasons say why.
function reasonsOf(record, words, visitRefused) {
  return Object.entries(record.errors ?? {})
    .filter(([key]) => !(visitRefused && key === 'visit_id'))
    .map(([key, messages]) => {
      if (!(key in ENVELOPE_WORDS)) return `${words.question(record.item.kind, key)}: ${messages.join(' ')}`;
      const plain = key === 'occurred_at' && messages.every((message) => words.moments.includes(message));
      return plain ? `When it happened: ${messages.join(' ')}` : ENVELOPE_WORDS[key];
    });
}

// A visit waits with its parts (the items that name it); any other entry on its own.
function groupsOf(records) {
  const ids = new Set(records.map((record) => record.id));
  const groups = new Map();
  for (const record of records) {
    const { id, visit_id: visitId } = record.item;
    const key = ids.has(visitId) ? visitId : id;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.values()];
}

function button(text, className, onClick) {
  const made = element('button', text, { type: 'button', className });
  made.addEventListener('click', onClick);
  return made;
}

// "Correct it" opens the entry's own form with everything restored. Only the visit page works
// offline: any other waits, kept, until there is a connection.
function correctButton(lead, note) {
  return button('Correct it', 'button', () => {
    if (lead.item.kind !== 'visit' && !navigator.onLine) {
      note.textContent = 'This can be corrected once the tablet is online: its page needs a connection. It stays here until then.';
      return;
    }
    window.location.assign(`${pageOf(lead.item)}?correct=${lead.id}`);
  });
}

function discarding(group, redraw) {
  return button('Discard', 'button-quiet', async () => {
    if (!window.confirm(DISCARD)) return;
    await discard(group.map((record) => record.id));
    await redraw();
  });
}

function attentionCard(group, words, redraw) {
  const [lead] = group; // the visit, or the entry alone (records are in the order saved)
  const visitRefused = lead.item.kind === 'visit';
  const card = element('div', '', { className: 'card stack' });
  const parts = element('ul');
  for (const record of group) {
    const line = element('li', describeItem(record.item, words));
    if (record.status !== 'forbidden') {
      line.append(...reasonsOf(record, words, visitRefused).map((reason) => element('p', reason, { className: 'error-message' })));
    }
    parts.append(line);
  }
  card.append(parts);
  const actions = element('p', '', { className: 'actions' });
  const note = element('p', '', { className: 'hint', role: 'status' });
  if (lead.status === 'forbidden') {
    card.append(element('p', FORBIDDEN, { className: 'error-message' }));
    actions.append(button('Export for my team manager', 'button', () => exportUnsent(note)));
  } else {
    actions.append(correctButton(lead, note));
  }
  actions.append(discarding(group, redraw));
  card.append(actions, note);
  return card;
}

function imageLine(record, redraw) {
  const line = element('li', `${record.kind === 'drawing' ? 'Drawing' : 'Photo'}${record.caption ? `: ${record.caption}` : ''}`);
  if (record.status !== 'rejected') return line;
  line.append(element('p', record.error, { className: 'error-message' }));
  line.append(button('Discard this image', 'button-quiet', async () => {
    if (!window.confirm('Discard this image? It has not reached the server and will be gone for good.')) return;
    await discardImage(record.id);
    await redraw();
  }));
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

async function exportUnsent(problem) {
  problem.hidden = true;
  try {
    await downloadUnsent(await currentUserId());
  } catch (error) {
    Object.assign(problem, { textContent: error.message, hidden: false });
  }
}

async function renderOutbox() {
  const redraw = renderOutbox;
  const userId = await currentUserId();
  await renderStuck(userId);
  const images = await imagesOf(userId);
  document.querySelector('[data-outbox="images"]').replaceChildren(
    ...(images.length ? images.map((record) => imageLine(record, redraw)) : [element('li', 'No images waiting.')]));
  const records = await itemsOf(userId);
  const words = await wordsFor(records);
  const groups = groupsOf(records);
  const needing = groups.filter((group) => group.some((record) => record.status !== 'waiting'));
  const waiting = groups.filter((group) => !needing.includes(group)).flat();
  document.querySelector('[data-outbox="rejected"]').replaceChildren(
    ...(needing.length ? needing.map((group) => attentionCard(group, words, redraw)) : [element('p', 'Nothing needs attention.')]));
  document.querySelector('[data-outbox="waiting"]').replaceChildren(
    ...(waiting.length ? waiting.map((record) => element('li', describeItem(record.item, words))) : [element('li', 'Nothing is waiting.')]));
}

export function fillShellPages() {
  const caseload = document.querySelector('[data-offline-caseload]');
  if (caseload) return renderCaseload(caseload);
  const child = document.querySelector('[data-offline-child]');
  if (child) return renderChild(child);
  // The Waiting to send page; a recording form's own data-outbox names the kind it saves.
  if (document.querySelector('[data-outbox="waiting"]')) {
    document.querySelector('[data-export-unsent]')
      .addEventListener('click', () => exportUnsent(document.querySelector('[data-export-problem]')));
    currentUserId().then((userId) => offerPassphraseChange(document.querySelector('[data-change-passphrase]'), userId));
    document.querySelector('[data-sync-now]').addEventListener('click', async () => {
      await syncNow();
      await renderOutbox();
    });
    // Every sync, automatic ones too, changes what waits: the list follows the outbox.
    onSyncChange(({ state }) => (state === 'syncing' ? null : renderOutbox()));
    return renderOutbox();
  }
  return null;
}
