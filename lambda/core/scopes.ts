import type { EdgeConfig } from "../config.js";

export type Sensitivity = "routine" | "high" | "critical";
const RANK: Record<Sensitivity, number> = { routine: 0, high: 1, critical: 2 };

/** The higher of two sensitivity levels. */
export function maxLevel(a: Sensitivity, b: Sensitivity): Sensitivity {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The scopes a token carries, from `scope` (RFC 9068 §2.2.3, RFC 8693 §4.2: space-separated string)
 * or `scp` (Okta/Entra: string or array), with IdP aliases mapped to declared names (Entra's short
 * `scp` values). Returns `undefined` when a claim has the wrong type.
 */
export function tokenScopes(claims: Record<string, unknown>, aliases: Record<string, string>): string[] | undefined {
  const out: string[] = [];
  for (const name of ["scope", "scp"] as const) {
    const v = claims[name];
    if (v === undefined) continue;
    let list: unknown[];
    if (typeof v === "string") list = v.split(" ");
    else if (Array.isArray(v)) list = v;
    else return undefined;
    for (const s of list) {
      if (typeof s !== "string") return undefined;
      if (s.length === 0) continue;
      out.push(Object.hasOwn(aliases, s) ? aliases[s]! : s);
    }
  }
  return out;
}

/**
 * The scopes a token holds once its roles are applied (`roles` config). App-only tokens carry
 * application permissions in `roles` and no `scp` (Microsoft identity platform, access token claims
 * reference: `scp` "only included for user tokens", `roles` for app permissions). A token counts as
 * app-only only when it says so with the optional claim `idtyp: "app"` (same reference: `idtyp`,
 * "app" for app-only tokens): a missing `scp` alone proves nothing, so a delegated token without
 * scopes holds nothing rather than its roles' application permissions. Returns `undefined` when the
 * roles claim is not an array of strings (fail closed).
 */
export function roleScopes(claims: Record<string, unknown>, held: string[], r: NonNullable<EdgeConfig["roles"]>, scopes: EdgeConfig["scopes"]): [string[], ((x: string) => boolean)?] | undefined {
  let v = claims[r.claim ?? "roles"];
  if (v === undefined) v = [];
  if (!Array.isArray(v) || v.some((x) => typeof x != "string")) return undefined;
  const byRole = grantedClosure(v.flatMap((x: string) => (Object.hasOwn(r.grants, x) ? r.grants[x]! : [])), scopes);
  if (claims.idtyp === "app") return [[...byRole]];
  const gated = r.requireForScopes ?? [];
  // The gate applies to the implication closure too (token-facts.ts): an ungated scope held does not
  // bring in a gated scope it implies unless a role grants that one.
  const ok = (x: string) => byRole.has(x) || !gated.includes(x);
  return [held.filter(ok), ok];
}

/**
 * Everything a set of held scopes grants, honouring declared implications (MCP 2026-07-28:
 * "Servers MUST account for scope hierarchies", RS-13). `scopes[s].grants` is the precomputed
 * closure, so this is one lookup per held scope.
 */
export function grantedClosure(held: readonly string[], scopes: EdgeConfig["scopes"]): Set<string> {
  const out = new Set<string>();
  for (const s of held) {
    out.add(s);
    const d = Object.hasOwn(scopes, s) ? scopes[s] : undefined;
    if (d) for (const g of d.grants) out.add(g);
  }
  return out;
}

/** The required scopes not granted, in the order required. */
export function missingScopes(required: Iterable<string>, granted: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const r of required) if (!granted.has(r)) out.push(r);
  return out;
}
