// While a child holds the tablet in child mode, every page of the app sends them back to it.
// A classic script in <head>, so it runs before the page is drawn: nothing else is ever shown.
// The lock is written and cleared by pin.js (child mode); see the README, "The child's voice".
(() => {
  let lock = null;
  try {
    lock = JSON.parse(localStorage.getItem('dailylife-child-mode'));
  } catch {
    lock = null;
  }
  if (lock?.path && window.location.pathname !== lock.path) {
    document.documentElement.hidden = true;
    window.location.replace(lock.path);
  }
})();
