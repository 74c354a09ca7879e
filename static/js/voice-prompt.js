// The record-visit form reminds, never blocks: the child was seen, and nothing in their own
// words has been added yet. (Without JavaScript the server says the same after saving.)
// What counts as the child's own is named on the reminder by the server, from the voice kind's
// declaration; a voice row's answers are named voice-<row>-<question>.
const answerOf = (name) => name.match(/^voice-\d+-(.+)$/)?.[1];

function remind(form, reminder) {
  const childContent = new Set(reminder.dataset.childContent.split(' '));
  const seen = [...form.elements].some((element) => element.name === 'child_seen' && element.value === 'yes' && element.checked);
  const heard = [...form.elements].some((element) => childContent.has(answerOf(element.name)) && element.value.trim() !== '');
  reminder.hidden = !(seen && !heard);
}

const form = document.querySelector('form[data-draft="visit"]');
const reminder = document.querySelector('[data-voice-reminder]');
if (form && reminder) {
  for (const type of ['input', 'change']) form.addEventListener(type, () => remind(form, reminder));
  remind(form, reminder);
}
