// Finding a child on the caseload by name as you type, online and offline. The cards on the page
// are filtered on the device: a child's name is never sent anywhere, so it cannot land in a
// server's or a proxy's log. The offline page fills its cards later: they are filtered as they come.
const search = document.querySelector('[data-caseload-search]');
const list = document.querySelector('[data-caseload]');

// "Zoë" is found by typing "zoe", and "o'neil" by "O'Neil".
const folded = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('en-GB');

function showMatches() {
  const words = folded(search.querySelector('[data-find-child]').value).split(/\s+/).filter(Boolean);
  const cards = [...list.children];
  for (const card of cards) {
    const names = folded(card.dataset.names ?? '');
    card.hidden = !words.every((word) => names.includes(word));
  }
  const shown = cards.filter((card) => !card.hidden).length;
  search.querySelector('[data-find-count]').textContent = !words.length ? ''
    : shown ? `${shown} of ${cards.length} ${cards.length === 1 ? 'child' : 'children'} shown.`
      : 'No child on your caseload has that name.';
}

if (search && list) {
  search.hidden = false;
  search.querySelector('[data-find-child]').addEventListener('input', showMatches);
  new MutationObserver(showMatches).observe(list, { childList: true });
}
