// "Add another" and "Remove" rows on the visit form without a reload. Without JavaScript the
// "Add another" buttons post the form and the server adds the row, so this is only a convenience.

function nextIndex(list) {
  const used = [...list.querySelectorAll(':scope > [data-index]')].map((row) => Number(row.dataset.index));
  return used.length ? Math.max(...used) + 1 : 0;
}

function offerRemoval(row) {
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'button-quiet', textContent: 'Remove ' });
  button.dataset.removeRow = '';
  button.append(Object.assign(document.createElement('span'), { className: 'visually-hidden', textContent: row.querySelector('legend').textContent }));
  row.append(button);
}

// Tick boxes aside (some start ticked), a row nobody typed in holds nothing to lose.
const holdsAnswers = (row) => [...row.querySelectorAll('input, select, textarea')]
  .some((control) => !['checkbox', 'radio', 'button'].includes(control.type) && control.value.trim() !== '');

function removeRow(row) {
  if (holdsAnswers(row) && !window.confirm(`Remove “${row.querySelector('legend').textContent}”? What you wrote in it will be gone.`)) return;
  const section = row.closest('section');
  const form = row.closest('form');
  row.remove();
  section.querySelector('[data-add-row]')?.focus();
  // The draft is saved on input: it forgets the row too.
  form.dispatchEvent(new Event('input', { bubbles: true }));
}

export function addRow(listName, wanted) {
  const list = document.querySelector(`[data-rows="${listName}"]`);
  const template = document.getElementById(`${listName}-template`);
  const index = String(wanted ?? nextIndex(list));
  const row = template.content.firstElementChild.cloneNode(true);
  row.dataset.index = index;
  // Every attribute that names the row: name, id, for, aria-describedby, data-field, data-image-slot...
  for (const element of [row, ...row.querySelectorAll('*')]) {
    for (const { name, value } of [...element.attributes]) {
      if (value.includes('__i__')) element.setAttribute(name, value.replaceAll('__i__', index));
    }
  }
  row.querySelector('legend').textContent = row.querySelector('legend').textContent.replace('(new)', Number(index) + 1);
  offerRemoval(row);
  list.append(row);
  if (wanted === undefined) row.querySelector('input, select, textarea').focus();
  list.dispatchEvent(new CustomEvent('rows:added', { bubbles: true, detail: { row } }));
}

// The row a field belongs to ("observations-2-text"), made if the form has none yet: a draft
// restored, or a refused visit reopened, may hold more rows than the page starts with.
export function ensureRowOf(name) {
  const [, listName, index] = name.match(/^(\w+)-(\d+)-/) ?? [];
  const list = listName && document.querySelector(`[data-rows="${listName}"]`);
  if (list && !list.querySelector(`:scope > [data-index="${index}"]`)) addRow(listName, Number(index));
}

document.querySelectorAll('[data-rows] > [data-index]').forEach(offerRemoval);

// The offline shell page comes without its first rows (rows.js makes them from the templates):
// every list starts with as many rows as the server would show.
for (const list of document.querySelectorAll('[data-rows][data-min-rows]')) {
  while (list.children.length < Number(list.dataset.minRows)) addRow(list.dataset.rows, nextIndex(list));
}

document.addEventListener('click', (event) => {
  const add = event.target.closest('[data-add-row]');
  const remove = event.target.closest('[data-remove-row]');
  if (add) {
    event.preventDefault();
    addRow(add.dataset.addRow);
  } else if (remove) {
    removeRow(remove.closest('[data-index]'));
  }
});
