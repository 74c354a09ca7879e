// "Also record for": a child's brothers and sisters, offered on the forms of kinds recorded once
// for them. Online the page lists them; the offline visit form names nobody, so it is given them
// from the child's caseload brief (sync/briefs.py), as tick boxes of the same markup.

function offer(place, siblings) {
  const choices = place.querySelector('fieldset');
  if (!choices || choices.querySelector('input') || !siblings.length) return;
  const name = place.dataset.alsoFor;
  siblings.forEach((sibling, index) => {
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', name, value: sibling.id, id: `${name}-${index}` });
    box.dataset.json = 'list';
    const label = Object.assign(document.createElement('label'), { className: 'check' });
    label.append(box, ` ${sibling.name} (${sibling.relation})`);
    choices.append(label);
  });
  place.hidden = false;
}

// The form asks "also record for", now or in the rows its templates make.
export const asksAlsoFor = (form) => [form, ...[...form.querySelectorAll('template')].map((template) => template.content)]
  .some((part) => part.querySelector('[data-also-for]'));

// Every "also record for" of the form, and of each row added to it later (a restored draft adds
// its rows at once, so the brothers and sisters are at hand before they are).
export function offerSiblings(form, brief) {
  const siblings = brief?.siblings ?? [];
  form.querySelectorAll('[data-also-for]').forEach((place) => offer(place, siblings));
  form.addEventListener('rows:added', ({ detail }) => detail.row.querySelectorAll('[data-also-for]')
    .forEach((place) => offer(place, siblings)));
}
