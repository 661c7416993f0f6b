// A real OpenID Connect provider for Portique's tests: the npm package oidc-provider (an
// OpenID-certified implementation), on a loopback port over plain http, with one client
// and the users of a JSON file, and a login form of its own.
//
//   node tests/sso/oidc_provider.mjs CONFIG.json
//
// CONFIG: {"port", "client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri",
//          "roles_claim", "users": {"login": {"password", "roles": [...]}}}
// Prints "ready <issuer>" once it listens. Production providers speak https only.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const rolesClaim = config.roles_claim || 'roles';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'tests', alg: 'RS256', use: 'sig' };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    post_logout_redirect_uris: [config.post_logout_redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', rolesClaim] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { IdToken: config.id_token_ttl || 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const user = config.users[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, preferred_username: sub, name: sub, [rolesClaim]: user.roles || [] };
      },
    };
  },
});

function loginPage(res, uid, error) {
  res.writeHead(error ? 401 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur d'identité</title></head>
<body><h1>Fournisseur d'identité de test</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Identifiant <input name="login" autocomplete="username"></label>
<label>Mot de passe <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Se connecter au fournisseur</button></form></body></html>`);
}

async function body(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await body(req);
    const user = config.users[form.get('login')];
    if (!user || user.password !== form.get('password')) {
      return loginPage(res, uid, 'Identifiant ou mot de passe incorrect.');
    }
    return provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return loginPage(res, uid);
  // Consent: Portique is the university's own service, granted without asking.
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handler = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(`interaction failed: ${error.message}`);
    });
    return;
  }
  handler(req, res);
}).listen(config.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
