// The published rules (rules.js) applied to a recording form: which questions apply to the
// answers given so far, and what the tablet must refuse to save, at which field.
import { answersOf, entryPrefix } from './items.js';
import { applies, collect, momentProblems, problemsIn, publishedRules } from './rules.js';

const conditions = new Map();
function conditionOf(wrapper) {
  const text = wrapper.dataset.appliesIf;
  if (!conditions.has(text)) conditions.set(text, JSON.parse(text));
  return conditions.get(text);
}

// In the order of the form (a question depends on those before it): a question that does not
// apply is hidden, and its answer no longer counts for the questions after it. What was typed
// in it stays, and comes back with the question.
export function showApplicableQuestions(form) {
  const entries = new Map();
  for (const wrapper of form.querySelectorAll('.field[data-applies-if]')) {
    const prefix = entryPrefix(wrapper);
    if (!entries.has(prefix)) entries.set(prefix, answersOf(form, prefix, { all: true }));
    const answers = entries.get(prefix);
    wrapper.hidden = !applies(conditionOf(wrapper), answers);
    if (wrapper.hidden) delete answers[wrapper.dataset.field.slice(prefix.length)];
  }
}

export function followApplicability(form) {
  const update = () => showApplicableQuestions(form);
  ['input', 'change', 'rows:added'].forEach((type) => form.addEventListener(type, update));
  update();
}

// A correction is checked twice: its own answers (reason, withdrawn...) by the rules of
// corrections, and the whole corrected entry by the rules of the kind it corrects. The check of
// reported information (data-check) corrects no answer of the entry: its own questions are
// judged by its own rules, whose words for the reason replace those of a correction, as on the
// server.
function correctionProblems(rules, form, item) {
  const meta = Object.fromEntries(Object.entries(item.data).filter(([key]) => !form.elements[`correction-${key}`]));
  const corrected = form.dataset.kind
    ? [problemsIn(rules.kinds[form.dataset.kind].schema, answersOf(form, 'correction-'), 'correction-')] : [];
  return [{ ...problemsIn(rules.kinds.amendment.schema, meta), ...checkProblems(rules, form, item.data) }, ...corrected];
}

function checkProblems(rules, form, data) {
  const check = rules.checks?.[form.dataset.check];
  if (!check) return {};
  const answers = Object.fromEntries(Object.keys(check.labels).filter((key) => key in data).map((key) => [key, data[key]]));
  return problemsIn(check.schema, answers);
}

// { field: [messages] } for the items a form is about to save; {} when the rules could not be
// read (the server checks every item again).
export async function problemsOf(form, items) {
  const rules = await publishedRules();
  if (!rules) return {};
  const found = [];
  if (form.elements.occurred_at) found.push(momentProblems(rules.envelope, items[0].occurred_at));
  for (const item of items) {
    if (item.kind === 'amendment') found.push(...correctionProblems(rules, form, item));
    else found.push(problemsIn(rules.kinds[item.kind].schema, item.data, item.prefix ?? ''));
  }
  const errors = {};
  found.forEach((problems) => Object.entries(problems)
    .forEach(([field, messages]) => messages.forEach((message) => collect(errors, field, message))));
  return errors;
}
