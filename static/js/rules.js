// The rules of each kind of entry, as the server publishes them (a JSON Schema document at the
// URL of <meta name="entry-rules">, precached): the tablet refuses exactly what the server would,
// with the server's own messages, and hides the questions that do not apply. No rule is written
// here: this module only reads the document (DESIGN.md section 2).
import { Validator } from '../vendor/@cfworker/json-schema/validator.js';

let loading;

// The published document, or null when this page has none (it cannot be read offline before the
// service worker has cached it): the tablet then saves, and the server's answer says what to fix.
export function publishedRules() {
  const url = document.querySelector('meta[name="entry-rules"]')?.content;
  loading ??= url ? fetch(url).then((response) => (response.ok ? response.json() : null)).catch(() => null) : Promise.resolve(null);
  return loading;
}

const validators = new Map();
function validatorFor(schema) {
  if (!validators.has(schema)) validators.set(schema, new Validator(schema, '2020-12', false));
  return validators.get(schema);
}

// A JSON pointer's segments, unescaped (the validator also URI-encodes them).
const segmentsOf = (pointer) => (pointer === '#' ? [] : pointer.slice(2).split('/')
  .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~')));

const NAMED_CHILD = { properties: 1, patternProperties: 1, $defs: 0 };
const INDEXED_CHILD = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const INSTANCE_CHILD = new Set(['items', 'additionalProperties']);
const SAME_INSTANCE = new Set(['if', 'then', 'else', 'not', 'contains']);
const isRule = (node) => node !== null && typeof node === 'object' && 'x-message' in node;

// The last rule (a subschema with "x-message") on the way to the failed keyword, and how deep
// into the instance it sits; null for a parent's summary of its children's errors.
function ruleAt(schema, keywordLocation) {
  const segments = segmentsOf(keywordLocation);
  let node = schema;
  let depth = 0;
  let rule = null;
  for (let at = 0; at < segments.length && node;) {
    const keyword = segments[at];
    if (Object.hasOwn(NAMED_CHILD, keyword) && at + 1 < segments.length) {
      node = node[keyword]?.[segments[at + 1]];
      depth += NAMED_CHILD[keyword];
      at += 2;
    } else if (INDEXED_CHILD.has(keyword) && at + 1 < segments.length) {
      node = node[keyword]?.[Number(segments[at + 1])];
      at += 2;
    } else if (INSTANCE_CHILD.has(keyword) || SAME_INSTANCE.has(keyword)) {
      node = node[keyword];
      depth += INSTANCE_CHILD.has(keyword) ? 1 : 0;
      at += 1;
    } else {
      break;
    }
    if (isRule(node)) rule = { node, depth };
  }
  return rule;
}

// Each message once per field, in the order first found.
export function collect(errors, field, message) {
  errors[field] ??= [];
  if (!errors[field].includes(message)) errors[field].push(message);
}

// { field: [messages] } for `data` under `schema`; fields are named as in the form ("actions-0-due").
export function problemsIn(schema, data, prefix = '') {
  const errors = {};
  for (const error of validatorFor(schema).validate(data).errors) {
    const rule = ruleAt(schema, error.keywordLocation);
    const at = segmentsOf(error.instanceLocation).slice(0, rule?.depth);
    // No rule, or one deeper in the data than the error (the validator sums up the errors of
    // "additionalProperties" and "items" once more at the parent): a summary, said already.
    if (!rule || at.length < rule.depth) continue;
    const field = [...at, rule.node['x-field']].filter((part) => part !== '').join('-');
    collect(errors, prefix + field, rule.node['x-message']);
  }
  return errors;
}

// When it happened: given, not before the earliest date, not in the future (with the
// tolerance for a device clock a little ahead).
export function momentProblems({ earliest, ahead_seconds: aheadSeconds, messages }, occurredAt) {
  if (!occurredAt) return { occurred_at: [messages.missing] };
  const moment = new Date(occurredAt).getTime();
  if (moment < new Date(earliest).getTime()) return { occurred_at: [messages.too_early] };
  if (moment > Date.now() + aheadSeconds * 1000) return { occurred_at: [messages.future] };
  return {};
}

// Does a question apply, given the answers of the entry it belongs to?
export const applies = (condition, answers) => validatorFor(condition).validate(answers).valid;
