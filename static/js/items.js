// Recording forms as sync items, made on the device (DESIGN.md section 4): a visit becomes one
// item per entry; a single entry one item; a correction one amendment item. An item's `prefix`
// (where its fields sit in the form, to show the server's errors there) stays on the device.
// The form's own markup says how each answer travels: yes/no radios are true/false (other radios
// their value), a lone tick box is true/false, tick boxes sharing a name are a list,
// data-json="lines" is one item per line.

const NOT_DATA = new Set(['csrf_token', 'occurred_at']);
// Image slots travel on their own (media.js), never in an entry's data.
export const IMAGE_SLOT = /(^|-)images-\d+-/;
const isData = (name) => !NOT_DATA.has(name) && !IMAGE_SLOT.test(name);

const YES_NO = { yes: true, no: false, '': null };

export function valueOf(form, name) {
  const elements = [...form.elements].filter((element) => element.name === name);
  const first = elements[0];
  if (first.type === 'radio') {
    const chosen = elements.find((element) => element.checked)?.value;
    if (chosen === undefined) return null;
    return Object.hasOwn(YES_NO, chosen) ? YES_NO[chosen] : chosen;
  }
  if (first.type === 'checkbox' && first.dataset.json === 'list') {
    return elements.filter((element) => element.checked).map((element) => element.value);
  }
  if (first.type === 'checkbox') return first.checked;
  if (first.dataset.json === 'lines') {
    return first.value.split('\n').map((line) => line.trim()).filter(Boolean);
  }
  if (first.type === 'number' && first.value.trim() !== '' && Number.isFinite(Number(first.value))) {
    return Number(first.value);
  }
  return first.value;
}

// The inverse of valueOf: an answer put back in its field (a refused item reopened in its form).
function putValue(form, name, value) {
  const elements = [...form.elements].filter((element) => element.name === name);
  const first = elements[0];
  if (!first) return;
  if (first.type === 'radio') {
    const chosen = { true: 'yes', false: 'no' }[value] ?? value;
    elements.forEach((element) => { element.checked = element.value === chosen; });
  } else if (first.type === 'checkbox' && first.dataset.json === 'list') {
    elements.forEach((element) => { element.checked = (value ?? []).includes(element.value); });
  } else if (first.type === 'checkbox') {
    first.checked = value === true;
  } else {
    first.value = first.dataset.json === 'lines' ? (value ?? []).join('\n') : (value ?? '');
  }
}

// Where an entry's fields sit in this form: a part of a visit reopened on its own kind's page
// sits at the top of that page.
export const placedIn = (form, prefix = '') => ([...form.elements].some((element) => element.name.startsWith(prefix)) ? prefix : '');

// An entry's answers back in the form, where `prefix` says its fields sit; a correction's own
// answers (its reason) sit outside its prefix.
export function putAnswers(form, prefix, data) {
  for (const [key, value] of Object.entries(data)) {
    putValue(form, form.elements[prefix + key] ? prefix + key : key, value);
  }
}

const isEmpty = (value) => value === null || value === '' || (Array.isArray(value) && value.length === 0);

// A question that does not apply (hidden by form-rules.js) keeps what was typed, unsent.
const applying = (element) => !element.closest('.field[hidden]');
const namesIn = (form) => new Set([...form.elements]
  .filter((element) => element.name && element.type !== 'submit' && applying(element))
  .map((element) => element.name));

// Where an element's entry sits in the form: '' for the form's own entry, "observations-0-"
// for a row of a list, "correction-" for the corrected answers of a correction.
export function entryPrefix(element) {
  const row = element.closest('[data-rows] > [data-index]');
  if (row) return `${row.parentElement.dataset.rows}-${row.dataset.index}-`;
  return element.closest('.field')?.dataset.field.startsWith('correction-') ? 'correction-' : '';
}

const ROW_ANSWER = /^([a-z_]+)-(\d+)-([a-z_]+)$/;

// A list of rows of the entry's own ("safety_plan_checks-0-outcome": a visit's check of a
// safety plan condition) travels as a list of objects, as the server reads its form.
function foldRows(answers) {
  const folded = {};
  const lists = new Set();
  for (const [key, value] of Object.entries(answers)) {
    const [, list, index, name] = key.match(ROW_ANSWER) ?? [];
    if (list) {
      lists.add(list);
      folded[list] ??= [];
      folded[list][Number(index)] = { ...folded[list][Number(index)], [name]: value };
    } else {
      folded[key] = value;
    }
  }
  lists.forEach((list) => { folded[list] = folded[list].filter(Boolean); });
  return folded;
}

// The answers of one entry of the form, by key (prefix stripped), empty ones left out; `all`
// keeps the answers to questions that do not apply.
export function answersOf(form, prefix, { all = false } = {}) {
  const names = [...form.elements].filter((element) => element.name && element.name.startsWith(prefix)
    && element.type !== 'submit' && isData(element.name) && entryPrefix(element) === prefix
    && (all || applying(element))).map((element) => element.name);
  const answers = {};
  for (const name of new Set(names)) {
    const value = valueOf(form, name);
    if (!isEmpty(value)) answers[name.slice(prefix.length)] = value;
  }
  return foldRows(answers);
}

// Each row of the form's lists, list by list as the server saves them, with the kind of entry
// its list records (the page says which: data-kind).
function rowsOf(form) {
  return [...form.querySelectorAll('[data-rows] > [data-index]')].map((row) => {
    const prefix = `${row.parentElement.dataset.rows}-${row.dataset.index}-`;
    return { kind: row.parentElement.dataset.kind, prefix, data: answersOf(form, prefix) };
  });
}

// A row nobody typed in (tick boxes aside) is not an entry, as on the server.
const isBlankRow = (row) => Object.values(row.data).every((value) => typeof value === 'boolean');

// A moment as a datetime-local input shows it: the device's wall clock, to the minute.
export function localInput(moment) {
  const local = new Date(moment);
  local.setMinutes(local.getMinutes() - local.getTimezoneOffset());
  return local.toISOString().slice(0, 16);
}

export function localInputToIso(value) {
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString();
}

function envelopeMaker(form, childId) {
  const occurredAt = form.elements.occurred_at ? localInputToIso(form.elements.occurred_at.value) : null;
  const recordedAt = new Date().toISOString();
  return (id, kind, data, extra = {}) => ({
    id, kind, child_id: childId, occurred_at: occurredAt, recorded_at: recordedAt,
    visit_id: null, amends_id: null, data, ...extra,
  });
}

function occurredAfter(form, milliseconds) {
  const start = localInputToIso(form.elements.occurred_at.value);
  return start && new Date(new Date(start).getTime() + milliseconds).toISOString();
}

export function visitItems(form, childId) {
  const envelope = envelopeMaker(form, childId);
  const visitId = crypto.randomUUID();
  const parts = rowsOf(form).filter((row) => !isBlankRow(row))
    // A millisecond apart, as on the server: the chronology lists the visit, then its parts in order.
    .map((row, number) => envelope(crypto.randomUUID(), row.kind, row.data, {
      visit_id: visitId, prefix: row.prefix, occurred_at: occurredAfter(form, number + 1),
    }));
  return [envelope(visitId, 'visit', answersOf(form, '')), ...parts];
}

export function singleItem(form, childId, kind) {
  return [envelopeMaker(form, childId)(crypto.randomUUID(), kind, answersOf(form, ''))];
}

// Every answer as the page first showed it, so a correction sends only what was changed.
export function snapshotAnswers(form) {
  return Object.fromEntries([...namesIn(form)].map((name) => [name, JSON.stringify(valueOf(form, name))]));
}

const CORRECTED = /^correction-(.+)$/;

export function amendmentItem(form, childId, amendsId, before) {
  const data = {};
  for (const name of namesIn(form)) {
    if (name === 'csrf_token' || IMAGE_SLOT.test(name)) continue;
    const value = valueOf(form, name);
    const corrected = name.match(CORRECTED);
    if (!corrected) {
      if (!isEmpty(value)) data[name] = value;
    } else if (JSON.stringify(value) !== before[name]) {
      data[corrected[1]] = isEmpty(value) ? null : value;
    }
  }
  return [envelopeMaker(form, childId)(crypto.randomUUID(), 'amendment', data, { amends_id: amendsId, occurred_at: null, prefix: 'correction-' })];
}
