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
