// A real OpenID provider (panva's oidc-provider) for dailylife's single sign-on tests.
//
//   node provider.js config.json
//
// config.json: {"port", "issuer", "client": {client_id, client_secret, redirect_uris},
//               "jwks": {"keys": [private JWK made by the test]}, "acr_values": [...]}
// It prints "ready" once it listens. Besides the protocol it answers two test-only requests:
//   PUT  /__test__/accounts/<sub>   {"claims": {...}, "amr": [...], "acr": "..."}  adds or changes a person
//   POST /__test__/next-id-token    {"id_token": "..."}  the next token response carries this
//        ID token instead of the provider's own (how a test forges a signature, audience, ...)
// Signing in: the interaction page takes a POST of "login=<sub>" (no password: the test is the user).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = new Map();
let forgedIdToken = null;

const provider = new Provider(config.issuer, {
  clients: [{
    ...config.client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: config.jwks,
  acrValues: config.acr_values || [],
  // How the person signed in travels with every ID token, as Entra ID's amr does.
  claims: {
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name'],
  },
  // The ID token carries the email claims (as Entra ID and Google send them), not only userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true, methods: ['S256'] },
  cookies: { keys: ['dailylife-test-provider'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && forgedIdToken && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: forgedIdToken };
    forgedIdToken = null;
  }
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function answer(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

async function signIn(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    answer(res, 200, `sign in: POST login=<sub> to /interaction/${details.uid}`);
    return;
  }
  const sub = new URLSearchParams(await readBody(req)).get('login');
  const account = accounts.get(sub);
  if (!account) {
    answer(res, 400, `no account ${sub}`);
    return;
  }
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: sub, amr: account.amr, acr: account.acr },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

async function testControl(req, res) {
  const body = JSON.parse((await readBody(req)) || '{}');
  if (req.method === 'PUT' && req.url.startsWith('/__test__/accounts/')) {
    accounts.set(decodeURIComponent(req.url.slice('/__test__/accounts/'.length)), body);
  } else if (req.method === 'POST' && req.url === '/__test__/next-id-token') {
    forgedIdToken = body.id_token;
  } else {
    answer(res, 404, 'unknown test request');
    return;
  }
  answer(res, 204, '');
}

const protocol = provider.callback();
http.createServer((req, res) => {
  const handle = req.url.startsWith('/__test__/') ? testControl
    : req.url.startsWith('/interaction/') ? signIn : null;
  if (!handle) {
    protocol(req, res);
    return;
  }
  handle(req, res).catch((error) => answer(res, 500, String(error)));
}).listen(config.port, '127.0.0.1', () => console.log('ready'));
