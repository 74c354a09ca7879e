// "Safety plan" on the visit form: each condition of the child's current safety plan, asked
// kept / broken / not checked. Online the page lists them; the offline visit form names nobody,
// so it is given them from the child's caseload brief (sync/briefs.py), copying the row its
// template holds, "not checked" until the worker answers.

export const asksAboutSafetyPlan = (form) => Boolean(form.querySelector('[data-safety-plan]'));

function checkRow(template, index, condition) {
  const row = template.content.firstElementChild.cloneNode(true);
  for (const element of [row, ...row.querySelectorAll('*')]) {
    for (const { name, value } of [...element.attributes]) {
      if (value.includes('__i__')) element.setAttribute(name, value.replaceAll('__i__', index));
    }
  }
  row.querySelector('[data-condition-text]').textContent = condition.text;
  row.querySelector('input[type="hidden"]').value = condition.id;
  row.querySelector('input[type="radio"][value="not_checked"]').checked = true;
  return row;
}

export function offerConditions(form, brief) {
  const section = form.querySelector('[data-safety-plan]');
  const conditions = brief?.safety_plan?.conditions ?? [];
  const list = section?.querySelector('[data-safety-plan-checks]');
  if (!list || list.querySelector('[data-safety-plan-check]') || !conditions.length) return;
  const template = section.querySelector('template');
  list.append(...conditions.map((condition, index) => checkRow(template, index, condition)));
  section.hidden = false;
}
