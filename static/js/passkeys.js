// Passkeys: register one ([data-passkey-register]) or sign in with one ([data-passkey-sign-in]).
// The server sends WebAuthn options as JSON and checks the answer; this module only carries them
// between the server and the browser's authenticator.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  const text = btoa(String.fromCharCode(...new Uint8Array(buffer)));
  return text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Browsers without the JSON helpers get the same conversion by hand.
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials ?? []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

function credentialJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const response = {};
  for (const key of ['clientDataJSON', 'attestationObject', 'authenticatorData', 'signature', 'userHandle']) {
    if (credential.response[key]) response[key] = toBase64url(credential.response[key]);
  }
  if (credential.response.getTransports) response.transports = credential.response.getTransports();
  return {
    id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type, response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment,
  };
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message ?? 'The server refused the passkey. Try again.');
  return answer;
}

async function ceremony(section, register) {
  const options = await post(section.dataset.optionsUrl);
  const credential = register
    ? await navigator.credentials.create({ publicKey: creationOptions(options) })
    : await navigator.credentials.get({ publicKey: requestOptions(options) });
  const answer = await post(section.dataset.verifyUrl, credentialJSON(credential));
  window.location.assign(answer.redirect);
}

function enable(section, register) {
  const button = section.querySelector('[data-passkey-start]');
  const message = section.querySelector('[data-passkey-message]');
  if (!window.PublicKeyCredential) {
    section.hidden = true;
    return;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.hidden = true;
    try {
      await ceremony(section, register);
    } catch (error) {
      message.textContent = error.name === 'NotAllowedError'
        ? 'The passkey was not used (cancelled or timed out). Try again.'
        : error.message;
      message.hidden = false;
      button.disabled = false;
    }
  });
}

document.querySelectorAll('[data-passkey-register]').forEach((section) => enable(section, true));
document.querySelectorAll('[data-passkey-sign-in]').forEach((section) => enable(section, false));
