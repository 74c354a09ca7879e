// Ask the browser to keep our data (Safari deletes a site's storage after 7 days unused unless
// the app is installed) and warn when it refuses or space runs low.
import { setMeta } from './store.js';

const NEARLY_FULL = 0.8;

export async function protectStorage() {
  if (!navigator.storage?.persist) return;
  const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  const { usage = 0, quota = 0 } = (await navigator.storage.estimate?.()) ?? {};
  let warning = null;
  if (!persisted) warning = 'this browser may clear offline data: add dailylife to the home screen';
  if (quota && usage / quota > NEARLY_FULL) warning = 'storage nearly full: send waiting entries soon';
  await setMeta('storageWarning', warning);
}
