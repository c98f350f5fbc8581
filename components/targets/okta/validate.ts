import type { McpAuthPlan, PlanTier } from "../../plan/schema.js";
import type { OktaArgsIssue, ResolvedOktaArgs } from "./args.js";

/**
 * Access-token claims Okta reserves (a custom claim with one of these names is rejected): Okta
 * support, "OIDC Bearer Tokens: List of Reserved Claims", plus the registered JWT claims Okta
 * always sets itself (RFC 7519 §4.1) and `scp`.
 */
export const OKTA_RESERVED_ACCESS_TOKEN_CLAIMS: ReadonlySet<string> = new Set([
  "acr", "amr", "as_uri", "cid", "groups", "rpt", "rsi", "uid", "username", "iss", "jti", "token_type", "ver",
  "sub", "aud", "exp", "iat", "nbf", "scp", "auth_time",
]);

/** Grant types OAuth 2.1 removed; the target refuses to provision them (fail closed). */
const REMOVED_GRANTS = new Set(["implicit", "password"]);

const isLoopbackOrCustomScheme = (uri: string): boolean => {
  try {
    const u = new URL(uri);
    if (u.protocol === "https:") return false;
    if (u.protocol === "http:") return u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
    return true; // private-use URI scheme (RFC 8252 §7.1)
  } catch {
    return false;
  }
};

/** Whether a tier's redirect URIs belong to a native app (loopback or private-use scheme, RFC 8252). */
export const nativeRedirects = (uris: readonly string[]): boolean => uris.length > 0 && uris.some(isLoopbackOrCustomScheme);

function tierIssues(tier: PlanTier, args: ResolvedOktaArgs): OktaArgsIssue[] {
  const issues: OktaArgsIssue[] = [];
  const at = (p: string) => `plan.tiers.${tier.name}${p}`;
  for (const g of tier.grantTypes) {
    if (REMOVED_GRANTS.has(g)) issues.push({ path: at(".grantTypes"), message: `OAuth 2.1 removed the '${g}' grant; remove it from the tier's grantTypes` });
  }
  const authCode = tier.grantTypes.includes("authorization_code");
  if (authCode && tier.clientType === "public" && tier.pkce === "none") {
    issues.push({ path: at(".pkce"), message: "public clients must use PKCE (OAuth 2.1 §7.5.1); set pkce to 'S256'" });
  }
  if (tier.grantTypes.includes("client_credentials") && tier.clientType === "public") {
    issues.push({ path: at(".clientType"), message: "the client_credentials grant needs a confidential client; set clientType to 'confidential'" });
  }
  if (tier.clientType === "public" && tier.tokenEndpointAuthMethod !== "none") {
    issues.push({ path: at(".tokenEndpointAuthMethod"), message: "a public client holds no credential; set tokenEndpointAuthMethod to 'none'" });
  }
  if (tier.clientType === "confidential" && tier.tokenEndpointAuthMethod === "none") {
    issues.push({ path: at(".tokenEndpointAuthMethod"), message: "a confidential client must authenticate; use 'private_key_jwt' (preferred) or 'client_secret_basic'" });
  }
  tier.clients.forEach((c) => {
    const cp = `.clients[${JSON.stringify(c.name)}]`;
    if (authCode && c.redirectUris.length === 0) {
      issues.push({ path: at(`${cp}.redirectUris`), message: `client '${c.name}' uses authorization_code and needs at least one exact redirect URI` });
    }
    c.redirectUris.forEach((u, j) => {
      if (u.includes("*")) issues.push({ path: at(`${cp}.redirectUris[${j}]`), message: "wildcard redirect URIs are not allowed (exact match, OAuth 2.1 §2.3.1); list each URI" });
      else if (!URL.canParse(u)) issues.push({ path: at(`${cp}.redirectUris[${j}]`), message: "expected an absolute URI" });
    });
    if (tier.tokenEndpointAuthMethod === "private_key_jwt" && !c.jwksUri && !args.clientJwksUris[`${tier.name}/${c.name}`]) {
      issues.push({
        path: at(`${cp}.jwksUri`),
        message: `private_key_jwt needs the public keys of client '${c.name}'; set jwksUri in the declaration or pass args.clientJwksUris["${tier.name}/${c.name}"]`,
      });
    }
  });
  return issues;
}

/**
 * Everything that stops the plan from being mapped onto Okta, checked before any resource is
 * created. Each issue names the field and the fix.
 */
export function oktaPlanIssues(plan: McpAuthPlan, args: ResolvedOktaArgs): OktaArgsIssue[] {
  const issues: OktaArgsIssue[] = [];
  const tiers = new Set(plan.tiers.map((t) => t.name));
  for (const tier of plan.tiers) issues.push(...tierIssues(tier, args));

  const seen = new Map<string, string>();
  for (const [tier, ids] of Object.entries(args.externalClients)) {
    if (!tiers.has(tier)) issues.push({ path: `args.externalClients.${tier}`, message: `no tier '${tier}' in the plan; known: ${[...tiers].join(", ")}` });
    for (const id of ids) {
      const prev = seen.get(id);
      if (prev !== undefined && prev !== tier) {
        issues.push({ path: `args.externalClients.${tier}`, message: `client '${id}' is also listed for tier '${prev}'; a client belongs to one tier` });
      }
      seen.set(id, tier);
    }
  }
  const clientKeys = new Set(plan.tiers.flatMap((t) => t.clients.map((c) => `${t.name}/${c.name}`)));
  for (const key of Object.keys(args.clientJwksUris)) {
    if (!clientKeys.has(key)) issues.push({ path: `args.clientJwksUris["${key}"]`, message: `no client '${key}' in the plan; keys are '<tier>/<client>': ${[...clientKeys].join(", ")}` });
  }
  const groups = new Set(plan.groups.map((g) => g.name));
  for (const key of Object.keys(args.groupIds)) {
    if (!groups.has(key)) issues.push({ path: `args.groupIds.${key}`, message: `no group '${key}' in the plan; known: ${[...groups].join(", ") || "(none)"}` });
  }
  for (const [kind, c] of Object.entries(plan.claims)) {
    if (c && OKTA_RESERVED_ACCESS_TOKEN_CLAIMS.has(c.claim) && !(kind === "agent" && c.claim === "cid")) {
      issues.push({ path: `plan.claims.${kind}.claim`, message: `'${c.claim}' is reserved by Okta and cannot be a custom claim; choose another name` });
    }
  }
  plan.servers.forEach((s) => {
    s.allowedOrigins.forEach((o, i) => {
      const ok = URL.canParse(o) && new URL(o).origin === o;
      if (!ok) issues.push({ path: `plan.servers.${s.name}.allowedOrigins[${i}]`, message: `'${o}' is not an origin; use scheme://host[:port] with no path or trailing slash` });
    });
  });
  if (!args.createIntrospectionClient && args.introspectionClientId === undefined && plan.servers.some((s) => s.immediateRevocation.length > 0)) {
    issues.push({
      path: "args.introspectionClientId",
      message: "servers with immediate-revocation scopes need a client the edge introspects with; pass introspectionClientId or set createIntrospectionClient",
    });
  }
  return issues;
}
