// The record-visit form as sync items: one per entry, made on the device (DESIGN.md section 4).
// The form's own markup says how each answer travels: radios are yes/no, a lone tick box is
// true/false, tick boxes sharing a name are a list, data-json="lines" is one item per line.

const ROW_KINDS = { observations: 'observation', voice: 'voice', household_changes: 'household_change' };
const NOT_DATA = new Set(['csrf_token', 'occurred_at']);

function valueOf(form, name) {
  const elements = [...form.elements].filter((element) => element.name === name);
  const first = elements[0];
  if (first.type === 'radio') {
    const chosen = elements.find((element) => element.checked)?.value;
    return { yes: true, no: false }[chosen] ?? null;
  }
  if (first.type === 'checkbox' && first.dataset.json === 'list') {
    return elements.filter((element) => element.checked).map((element) => element.value);
  }
  if (first.type === 'checkbox') return first.checked;
  if (first.dataset.json === 'lines') {
    return first.value.split('\n').map((line) => line.trim()).filter(Boolean);
  }
  if (first.type === 'number' && first.value.trim() !== '' && Number.isInteger(Number(first.value))) {
    return Number(first.value);
  }
  return first.value;
}

const isEmpty = (value) => value === null || value === '' || (Array.isArray(value) && value.length === 0);

function answers(form) {
  const names = new Set([...form.elements].filter((element) => element.name && element.type !== 'submit')
    .map((element) => element.name));
  const visit = {};
  const rows = {};
  for (const name of names) {
    if (NOT_DATA.has(name)) continue;
    const value = valueOf(form, name);
    const row = name.match(/^(observations|voice|household_changes)-(\d+)-(.+)$/);
    if (!row) {
      if (!isEmpty(value)) visit[name] = value;
      continue;
    }
    const [, list, index, key] = row;
    if (index === '__i__') continue;
    rows[`${list}-${index}`] ??= { kind: ROW_KINDS[list], order: Number(index), data: {} };
    if (!isEmpty(value)) rows[`${list}-${index}`].data[key] = value;
  }
  return { visit, rows: Object.values(rows) };
}

// A row nobody typed in (tick boxes aside) is not an entry, as on the server.
const isBlankRow = (row) => Object.values(row.data).every((value) => typeof value === 'boolean');

export function localInputToIso(value) {
  const moment = new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString();
}

export function visitItems(form, childId, now = new Date()) {
  const { visit, rows } = answers(form);
  const occurredAt = localInputToIso(form.elements.occurred_at.value);
  const recordedAt = now.toISOString();
  const visitId = crypto.randomUUID();
  const envelope = (id, kind, data, extra = {}) => ({
    id, kind, child_id: childId, occurred_at: occurredAt, recorded_at: recordedAt,
    visit_id: null, amends_id: null, data, ...extra,
  });
  const listOrder = Object.values(ROW_KINDS);
  const parts = rows.filter((row) => !isBlankRow(row))
    .sort((a, b) => listOrder.indexOf(a.kind) - listOrder.indexOf(b.kind) || a.order - b.order)
    .map((row) => envelope(crypto.randomUUID(), row.kind, row.data, { visit_id: visitId }));
  return [envelope(visitId, 'visit', visit), ...parts];
}

// The checks that matter most before leaving the house; the server checks everything again.
export function offlineProblems(form) {
  const problems = [];
  const occurredAt = localInputToIso(form.elements.occurred_at.value);
  if (!occurredAt) problems.push(['occurred_at', 'Give the date and time of the visit.']);
  else if (new Date(occurredAt) > new Date(Date.now() + 5 * 60 * 1000)) {
    problems.push(['occurred_at', 'This is in the future. Give the date and time it actually happened.']);
  }
  if (!form.elements.type.value) problems.push(['type', 'Choose the type of visit.']);
  if (valueOf(form, 'child_seen') === null) problems.push(['child_seen', 'Say whether the child was seen.']);
  return problems;
}
