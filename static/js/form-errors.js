// Answers that need attention, shown as the server shows them (the `field` and `form_errors`
// macros of templates/_macros.html): each message at its field, and all of them in the GOV.UK
// error summary above the form, which takes the focus; each of its links focuses its field.

const element = (tag, text, props = {}) => Object.assign(document.createElement(tag), { textContent: text ?? '', ...props });
const wrapperOf = (form, name) => form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
const controlOf = (wrapper) => wrapper?.querySelector('input[id], select[id], textarea[id]');

export function clearErrors(form) {
  document.querySelectorAll('[data-error-summary]').forEach((box) => box.remove());
  form.querySelectorAll('.field-error').forEach((wrapper) => wrapper.classList.remove('field-error'));
  form.querySelectorAll('.field > .error-message').forEach((message) => message.remove());
  form.querySelectorAll('[aria-invalid]').forEach((control) => control.removeAttribute('aria-invalid'));
}

function markField(wrapper, messages) {
  const control = controlOf(wrapper);
  const id = `${control?.id ?? wrapper.dataset.field}-error`;
  wrapper.classList.add('field-error');
  wrapper.append(element('p', messages.join(' '), { className: 'error-message', id }));
  if (!control) return;
  control.setAttribute('aria-invalid', 'true');
  const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((token) => token && token !== id);
  control.setAttribute('aria-describedby', [...described, id].join(' '));
}

function summary(entries) {
  const list = element('ul', '', { className: 'error-summary-list' });
  for (const { messages, control } of entries) {
    const item = element('li');
    item.append(control ? element('a', messages.join(' '), { href: `#${control.id}` }) : messages.join(' '));
    list.append(item);
  }
  const box = element('div', '', { className: 'error-summary', role: 'alert', tabIndex: -1 });
  box.dataset.errorSummary = '';
  box.append(element('h2', 'Some answers need attention'),
    element('p', 'Nothing has been saved yet, and nothing you typed has been lost.'), list);
  return box;
}

// `errors`: { field name: [messages] }, as the server answers and as rules.js finds them.
// A message whose field is not on the page (hidden, or not a question) shows in the summary only.
export function showErrors(form, errors) {
  clearErrors(form);
  const entries = Object.entries(errors).map(([name, messages]) => {
    const wrapper = wrapperOf(form, name);
    const shown = wrapper && !wrapper.closest('[hidden]');
    if (shown) markField(wrapper, messages);
    return { messages, control: shown ? controlOf(wrapper) : null };
  });
  if (entries.length === 0) return;
  const box = summary(entries);
  form.before(box);
  box.focus();
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('[data-error-summary] a[href^="#"]');
  const control = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!control) return;
  event.preventDefault();
  control.closest('details')?.setAttribute('open', '');
  control.focus();
  (control.closest('.field')?.querySelector('label, legend') ?? control).scrollIntoView({ block: 'start' });
});

document.querySelector('[data-error-summary]')?.focus();
