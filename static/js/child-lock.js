// While a child holds the tablet in child mode, every page of the app sends them back to it.
// A classic script in <head>, so it runs before the page is drawn: nothing else is ever shown.
// The lock is written and cleared by pin.js (child mode); see the README, "The child's voice".
// Two pages stay: the sign-in page (a session that ended sends child mode there, and sending it
// back would bounce between the two for ever) and child mode's refusal, which links back.
(() => {
  let lock = null;
  try {
    lock = JSON.parse(localStorage.getItem('dailylife-child-mode'));
  } catch {
    lock = null;
  }
  const stays = window.location.pathname === '/login' || document.documentElement.hasAttribute('data-child-mode-refused');
  if (lock?.path && window.location.pathname !== lock.path && !stays) {
    document.documentElement.hidden = true;
    window.location.replace(lock.path);
  }
})();
