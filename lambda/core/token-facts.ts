import type { TokenTimes } from "./claims.js";
import { checkStaticClaims } from "./claims.js";
import type { TokenCache } from "./cache.js";
import { grantedClosure, roleScopes, tokenScopes } from "./scopes.js";
import type { ServerRuntime } from "./server.js";
import type { SessionTable } from "./sessions.js";
import { TokenError } from "./verify.js";

/**
 * What a verified token says: the principal, its times and the scopes it grants, computed once per
 * token and cached per server by the authorizer (authorize.ts).
 */

/** Who is calling, from a verified token. */
export interface Principal {
  /** `sub`: the user (or the client, for client-credentials tokens). */
  sub: string | undefined;
  /** `client_id` (RFC 9068), or `azp`/`appid`/`cid` for IdPs that use those. */
  clientId: string | undefined;
  /** Agent/actor: the configured agent claim, else `act.sub` (RFC 8693 §4.1). */
  agent: string | undefined;
  tenant: string | undefined;
  issuer: string;
  /** Scopes the token carries (after alias mapping and, when configured, roles). Read-only (frozen). */
  scopes: readonly string[];
  jti: string | undefined;
  /** `exp`, epoch seconds. */
  expiresAt: number;
}

/** What the verified-token cache holds: signature work and token-derived facts. */
export interface TokenFacts {
  principal: Principal;
  times: TokenTimes;
  granted: ReadonlySet<string>;
}

/** A token's scopes and everything they grant (implications applied). */
export interface ScopeFacts {
  scopes: readonly string[];
  granted: ReadonlySet<string>;
}

/** Per-server state of the authorizer. */
export interface ServerState {
  cache: TokenCache<TokenFacts>;
  /**
   * Scope facts by `scope` claim value (tokens of one client mostly carry the same string), filled
   * only from verified tokens and only when neither `scp` nor roles take part; bounded.
   */
  scopeFacts: Map<string, ScopeFacts>;
  /** Sessions bound to the principal whose `initialize` created them (sessions.ts). */
  sessions: SessionTable;
}
/** Entries of `ServerState.scopeFacts` before it is cleared. */
export const SCOPE_FACTS_MAX = 256;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function principalOf(claims: Record<string, unknown>, s: ServerRuntime, scopes: readonly string[], exp: number): Principal {
  const c = s.config.claims;
  const act = claims.act;
  const actSub = typeof act === "object" && act !== null ? str((act as Record<string, unknown>).sub) : undefined;
  // Frozen: a cached principal serves later requests, so callers of `authorize` must not change it.
  return Object.freeze({
    sub: str(claims.sub),
    clientId: str(claims.client_id) ?? str(claims.azp) ?? str(claims.appid) ?? str(claims.cid),
    agent: (c.agent ? str(claims[c.agent.claim]) : undefined) ?? actSub,
    tenant: c.tenant ? str(claims[c.tenant.claim]) : undefined,
    issuer: claims.iss as string,
    scopes,
    jti: str(claims.jti),
    expiresAt: exp,
  });
}

/** Token-derived facts after signature and static claim checks (RFC 9068 §4, MCP RS-14..16). */
export function factsOf(claims: Record<string, unknown>, s: ServerRuntime, st: ServerState): TokenFacts {
  const times = checkStaticClaims(claims, s.claims);
  const sf = scopeFactsOf(claims, s, st);
  const principal = principalOf(claims, s, sf.scopes, times.exp);
  if (s.config.claims.tenant?.required && !principal.tenant) throw new TokenError("tenant_missing");
  return { principal, times, granted: sf.granted };
}

/** The token's scopes (aliases, roles) and their implication closure; remembered per `scope` string. */
function scopeFactsOf(claims: Record<string, unknown>, s: ServerRuntime, st: ServerState): ScopeFacts {
  const roles = s.config.roles;
  const memo = typeof claims.scope === "string" && claims.scp === undefined && !roles ? claims.scope : undefined;
  if (memo !== undefined) {
    const hit = st.scopeFacts.get(memo);
    if (hit) return hit;
  }
  let scopes = tokenScopes(claims, s.config.scopeAliases);
  let gate: ((x: string) => boolean) | undefined;
  if (scopes && roles) [scopes, gate] = roleScopes(claims, scopes, roles, s.config.scopes) ?? [];
  if (!scopes) throw new TokenError("claim_type_invalid");
  const granted = grantedClosure(scopes, s.config.scopes);
  if (gate) for (const g of granted) if (!gate(g)) granted.delete(g);
  const sf: ScopeFacts = { scopes: Object.freeze(scopes), granted };
  if (memo !== undefined) {
    if (st.scopeFacts.size >= SCOPE_FACTS_MAX) st.scopeFacts.clear();
    st.scopeFacts.set(memo, sf);
  }
  return sf;
}
