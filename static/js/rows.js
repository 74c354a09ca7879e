// "Add another" rows on the visit form without a reload. Without JavaScript the same buttons
// post the form and the server adds the row, so this is only a convenience.

function nextIndex(list) {
  const used = [...list.querySelectorAll(':scope > [data-index]')].map((row) => Number(row.dataset.index));
  return used.length ? Math.max(...used) + 1 : 0;
}

export function addRow(listName, wanted) {
  const list = document.querySelector(`[data-rows="${listName}"]`);
  const template = document.getElementById(`${listName}-template`);
  const index = String(wanted ?? nextIndex(list));
  const row = template.content.firstElementChild.cloneNode(true);
  row.dataset.index = index;
  for (const element of row.querySelectorAll('[name], [id], [for], [aria-describedby]')) {
    for (const attribute of ['name', 'id', 'for', 'aria-describedby']) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, value.replaceAll('__i__', index));
    }
  }
  row.querySelector('legend').textContent = row.querySelector('legend').textContent.replace('(new)', Number(index) + 1);
  list.append(row);
  if (wanted === undefined) row.querySelector('input, select, textarea').focus();
  list.dispatchEvent(new CustomEvent('rows:added', { bubbles: true, detail: { row } }));
}

// The offline shell page comes without its first rows (rows.js makes them from the templates):
// every list starts with as many rows as the server would show.
for (const list of document.querySelectorAll('[data-rows][data-min-rows]')) {
  while (list.children.length < Number(list.dataset.minRows)) addRow(list.dataset.rows, nextIndex(list));
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-add-row]');
  if (!button) return;
  event.preventDefault();
  addRow(button.dataset.addRow);
});
