import type { Sensitivity } from "../model/sensitivity.js";
import type { PlanServer, PlanServerAccess } from "../plan/schema.js";
import { change, groupBy, highest, minus, stake, type DiffContext } from "./context.js";
import type { DiffChange } from "./types.js";

/**
 * Who may hold what on servers present on both sides: a tier or group that may now hold a scope it
 * could not (or the reverse), for scopes the server uses on both sides. New tiers, groups, servers
 * and scopes are reported by their own "added" change, and a scope a server starts or stops using by
 * the operation change behind it, not once per holder here.
 */
export function classifyHolders(ctx: DiffContext): DiffChange[] {
  const { base, head, sharedServers } = ctx;
  type Row = { who: "tier" | "group"; name: string; scope: string; server: string; gained: boolean };
  const rows: Row[] = [];
  for (const server of sharedServers) {
    const hs = head.servers.get(server)!;
    const bs = base.servers.get(server)!;
    // A scope the server starts or stops using is reported with the operation that uses it.
    const onBoth = (scope: string) => hs.scopes.includes(scope) && bs.scopes.includes(scope);
    for (const a of hs.access) {
      if (!base.tiers.has(a.tier)) continue;
      const before = base.tierScopes(server, a.tier);
      for (const scope of minus(a.scopes, before)) if (onBoth(scope)) rows.push({ who: "tier", name: a.tier, scope, server, gained: true });
      for (const scope of minus(before, a.scopes)) if (onBoth(scope)) rows.push({ who: "tier", name: a.tier, scope, server, gained: false });
    }
    for (const g of hs.groups) {
      if (!base.groups.has(g.group)) continue;
      const before = base.groupScopes(server, g.group);
      for (const scope of minus(g.scopes, before)) if (onBoth(scope)) rows.push({ who: "group", name: g.group, scope, server, gained: true });
      for (const scope of minus(before, g.scopes)) if (onBoth(scope)) rows.push({ who: "group", name: g.group, scope, server, gained: false });
    }
  }
  const out: DiffChange[] = [];
  for (const group of groupBy(rows, (r) => `${r.who}\0${r.name}\0${r.scope}\0${r.gained}`).values()) {
    const { who, name, scope, gained } = group[0]!;
    const servers = group.map((r) => r.server);
    const view = gained ? head : base;
    const kind = who === "tier" ? (gained ? "tier-gained-scope" : "tier-lost-scope") : gained ? "group-gained-scope" : "group-lost-scope";
    out.push(
      change(gained ? "escalation" : "reduction", kind, {
        subject: `${name}: ${scope}`,
        summary: gained
          ? `${who === "tier" ? "Clients of tier" : "Members of group"} ${name} may now hold ${scope} (${head.sens(scope)}).`
          : `${who === "tier" ? "Clients of tier" : "Members of group"} ${name} may no longer hold ${scope}.`,
        severity: gained ? stake(ctx, scope) : undefined,
        servers,
        tools: servers.flatMap((s) => view.opsUsing(s, scope)),
        ...(who === "tier" ? { tiers: [name] } : { groups: [name] }),
        scopes: [scope],
      }),
    );
  }
  return out;
}

const CONSENT_RANK = { "step-up": 0, optional: 1, mandatory: 2 } as const;
type ConsentMode = keyof typeof CONSENT_RANK;

function consentMode(server: PlanServer, scope: string): ConsentMode | undefined {
  if (server.consent.stepUp.includes(scope)) return "step-up";
  if (server.consent.optional.includes(scope)) return "optional";
  if (server.consent.mandatory.includes(scope)) return "mandatory";
  return undefined;
}

/**
 * Consent moves per scope: step-up → optional → mandatory is towards "requested at install without
 * asking again" (MCP 2025-11-25: `scopes_supported` is the minimal set; sensitive scopes step up).
 */
export function classifyConsent(ctx: DiffContext): DiffChange[] {
  const { base, head, sharedServers } = ctx;
  type Row = { scope: string; server: string; before: ConsentMode; after: ConsentMode };
  const rows: Row[] = [];
  for (const server of sharedServers) {
    const b = base.servers.get(server)!;
    const h = head.servers.get(server)!;
    for (const scope of h.scopes) {
      const before = consentMode(b, scope);
      const after = consentMode(h, scope);
      if (before && after && before !== after) rows.push({ scope, server, before, after });
    }
  }
  return [...groupBy(rows, (r) => `${r.scope}\0${r.before}\0${r.after}`).values()].map((group) => {
    const { scope, before, after } = group[0]!;
    const relaxed = CONSENT_RANK[after] > CONSENT_RANK[before];
    const servers = group.map((r) => r.server);
    return change(relaxed ? "escalation" : "reduction", relaxed ? "consent-relaxed" : "consent-tightened", {
      subject: scope,
      summary: relaxed ? "Requested earlier, with less explicit consent." : "Requested later, with more explicit consent.",
      before,
      after,
      severity: relaxed ? stake(ctx, scope) : undefined,
      servers,
      tools: servers.flatMap((s) => head.opsUsing(s, scope)),
      scopes: [scope],
    });
  });
}

type Field = { name: string; unit: string; value: (a: PlanServerAccess) => number | boolean; level?: Sensitivity };
const ACCESS_FIELDS: readonly Field[] = [
  { name: "access token (routine)", unit: "min", value: (a) => a.accessTokenMinutes.routine, level: "routine" },
  { name: "access token (high)", unit: "min", value: (a) => a.accessTokenMinutes.high, level: "high" },
  { name: "access token (critical)", unit: "min", value: (a) => a.accessTokenMinutes.critical, level: "critical" },
  { name: "refresh token lifetime", unit: "days", value: (a) => a.refreshToken.lifetimeDays },
  // An absent idle lifetime means "no idle limit beyond the lifetime".
  { name: "refresh token idle lifetime", unit: "days", value: (a) => a.refreshToken.idleDays ?? Infinity },
  { name: "refresh token rotation", unit: "", value: (a) => a.refreshToken.rotation },
];

const show = (v: number | boolean, unit: string): string =>
  typeof v === "boolean" ? (v ? "on" : "off") : v === Infinity ? "unlimited" : `${v} ${unit}`.trim();

/**
 * Effective lifetimes per (server, tier) and re-consent cadence per server, grouped by
 * (field, before, after) so a global change is one row listing every server and tier it reaches.
 * Longer, unlimited, or rotation switched off is an escalation (OAuth 2.1 §4.3.1: rotate refresh
 * tokens of public clients).
 */
export function classifyLifetimes(ctx: DiffContext): DiffChange[] {
  const { base, head, sharedServers } = ctx;
  type Row = { field: string; before: string; after: string; longer: boolean; server: string; tier?: string; severity?: Sensitivity | undefined };
  const rows: Row[] = [];
  for (const server of sharedServers) {
    const b = base.servers.get(server)!;
    const h = head.servers.get(server)!;
    for (const ha of h.access) {
      const ba = b.access.find((a) => a.tier === ha.tier);
      if (!ba) continue;
      for (const f of ACCESS_FIELDS) {
        const vb = f.value(ba);
        const vh = f.value(ha);
        if (vb === vh) continue;
        // Rotation off (true → false) and a larger number are both "longer-lived".
        const longer = typeof vh === "boolean" ? vb === true && vh === false : vh > (vb as number);
        const severity = f.level ?? highest(ha.scopes.map((s) => stake(ctx, s)));
        rows.push({ field: f.name, before: show(vb, f.unit), after: show(vh, f.unit), longer, server, tier: ha.tier, severity });
      }
    }
    for (const level of ["high", "critical"] as const) {
      const vb = b.consent.reconsentDays[level];
      const vh = h.consent.reconsentDays[level];
      if (vb !== vh) rows.push({ field: `re-consent (${level})`, before: `${vb} days`, after: `${vh} days`, longer: vh > vb, server, severity: level });
    }
  }
  return [...groupBy(rows, (r) => `${r.field}\0${r.before}\0${r.after}`).values()].map((group) => {
    const r = group[0]!;
    return change(r.longer ? "escalation" : "reduction", r.longer ? "lifetime-longer" : "lifetime-shorter", {
      subject: r.field,
      summary: r.longer ? `Longer-lived or less often renewed: ${r.field}.` : `Shorter-lived or more often renewed: ${r.field}.`,
      before: r.before,
      after: r.after,
      severity: r.longer ? highest(group.map((x) => x.severity)) : undefined,
      servers: group.map((x) => x.server),
      tiers: group.flatMap((x) => (x.tier ? [x.tier] : [])),
    });
  });
}

/** Scopes whose tokens no longer (or now) need immediate revocation (the edge introspects them). */
export function classifyRevocation(ctx: DiffContext): DiffChange[] {
  const { base, head, sharedServers } = ctx;
  type Row = { scope: string; server: string; weakened: boolean };
  const rows: Row[] = [];
  for (const server of sharedServers) {
    const b = base.servers.get(server)!;
    const h = head.servers.get(server)!;
    for (const scope of minus(b.immediateRevocation, h.immediateRevocation)) if (h.scopes.includes(scope)) rows.push({ scope, server, weakened: true });
    for (const scope of minus(h.immediateRevocation, b.immediateRevocation)) if (b.scopes.includes(scope)) rows.push({ scope, server, weakened: false });
  }
  return [...groupBy(rows, (r) => `${r.scope}\0${r.weakened}`).values()].map((group) => {
    const { scope, weakened } = group[0]!;
    return change(weakened ? "escalation" : "reduction", weakened ? "revocation-weakened" : "revocation-strengthened", {
      subject: scope,
      summary: weakened ? "Tokens carrying this scope are no longer revocable at once." : "Tokens carrying this scope are now revocable at once.",
      before: weakened ? "immediate" : "at expiry",
      after: weakened ? "at expiry" : "immediate",
      severity: weakened ? stake(ctx, scope) : undefined,
      servers: group.map((r) => r.server),
      scopes: [scope],
    });
  });
}
