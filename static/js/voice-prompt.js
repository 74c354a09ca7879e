// The record-visit form reminds, never blocks: the child was seen, and nothing in their own
// words has been added yet. (Without JavaScript the server says the same after saving.)
const CHILD_CONTENT = /^voice-\d+-(words|feeling|worries|good_things|dreams|drawing_about)$/;

function remind(form, reminder) {
  const seen = [...form.elements].some((element) => element.name === 'child_seen' && element.value === 'yes' && element.checked);
  const heard = [...form.elements].some((element) => CHILD_CONTENT.test(element.name) && element.value.trim() !== '');
  reminder.hidden = !(seen && !heard);
}

const form = document.querySelector('form[data-draft="visit"]');
const reminder = document.querySelector('[data-voice-reminder]');
if (form && reminder) {
  for (const type of ['input', 'change']) form.addEventListener(type, () => remind(form, reminder));
  remind(form, reminder);
}
