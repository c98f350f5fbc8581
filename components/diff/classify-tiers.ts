import { sensitivityRank } from "../model/sensitivity.js";
import type { PlanTier } from "../plan/schema.js";
import { change, highest, list, minus, type DiffContext, type PlanView } from "./context.js";
import type { DiffChange, ReachChange } from "./types.js";

/** Registrations where the client identifies itself at run time instead of being pre-registered. */
const OPEN_REGISTRATION = new Set(["dcr", "cimd"]);
const PKCE_RANK = { S256: 2, plain: 1, none: 0 } as const;
const AUTH_RANK = { private_key_jwt: 2, client_secret_basic: 1, client_secret_post: 1, none: 0 } as const;

/** What a principal reaches on one side: servers, operations, scopes and the highest sensitivity. */
function reachOfPrincipal(view: PlanView, reach: readonly ReachChange[], type: "tier" | "group", name: string) {
  const rs = reach.filter((r) => r.principal.type === type && r.principal.name === name);
  const scopes: string[] = [];
  for (const s of view.plan.servers) {
    if (type === "tier") scopes.push(...view.tierScopes(s.name, name));
    else scopes.push(...view.groupScopes(s.name, name));
  }
  return {
    servers: rs.map((r) => r.server),
    tools: rs.map((r) => `${r.server}/${r.operation}`),
    scopes,
    severity: highest(scopes.map((s) => view.sens(s))),
  };
}

/**
 * Trust tiers: added/removed, registration kind (DCR or CIMD newly enabled), clients and their
 * redirect URIs, allowed CIMD domains and DCR redirect URIs, and the fields that decide how far a
 * tier is trusted (cap, grant types, PKCE, client authentication, allowlist, exceptions, rate limit).
 */
export function classifyTiers(ctx: DiffContext, reach: { added: readonly ReachChange[]; removed: readonly ReachChange[] }): DiffChange[] {
  const { base, head } = ctx;
  const out: DiffChange[] = [];
  for (const [name, t] of head.tiers) {
    const b = base.tiers.get(name);
    if (!b) {
      const r = reachOfPrincipal(head, reach.added, "tier", name);
      out.push(
        change(r.scopes.length ? "escalation" : "neutral", "tier-added", {
          subject: name,
          summary: `New ${t.registration} tier (cap ${t.maxSensitivity}) that may hold ${r.scopes.length ? r.scopes.length : "no"} scope${r.scopes.length === 1 ? "" : "s"}.`,
          after: t.registration,
          ...r,
          tiers: [name],
        }),
      );
      if (OPEN_REGISTRATION.has(t.registration)) out.push(registration(name, undefined, t, r.severity));
      continue;
    }
    // What is at stake with a tier: its cap on either side and anything it may hold (exceptions go above the cap).
    const heldAfter = new Set(reachOfPrincipal(head, [], "tier", name).scopes);
    const heldBefore = new Set(reachOfPrincipal(base, [], "tier", name).scopes);
    const severity = highest([t.maxSensitivity, b.maxSensitivity, ...[...heldAfter].map((s) => head.sens(s))]);
    out.push(...compareTier(b, t, severity, heldBefore, heldAfter));
  }
  for (const [name, b] of base.tiers) {
    if (head.tiers.has(name)) continue;
    const r = reachOfPrincipal(base, reach.removed, "tier", name);
    out.push(change("reduction", "tier-removed", { subject: name, summary: `Tier ${name} (${b.registration}) removed.`, before: b.registration, ...r, severity: undefined, tiers: [name] }));
  }
  return out;
}

function registration(name: string, b: PlanTier | undefined, t: PlanTier, severity: ReturnType<typeof highest>): DiffChange {
  return change("escalation", "registration-enabled", {
    subject: name,
    summary: `${t.registration === "dcr" ? "Dynamic client registration" : "Client ID metadata documents"} enabled: clients can now identify themselves at run time.`,
    before: b?.registration ?? "(none)",
    after: t.registration,
    severity,
    tiers: [name],
  });
}

/**
 * Field-by-field comparison of a tier present on both sides. `heldBefore`/`heldAfter` are the scopes
 * the tier may hold on any server: an exception only matters for a scope it could not hold otherwise.
 */
function compareTier(b: PlanTier, t: PlanTier, severity: ReturnType<typeof highest>, heldBefore: ReadonlySet<string>, heldAfter: ReadonlySet<string>): DiffChange[] {
  const name = t.name;
  const out: DiffChange[] = [];
  const weaker = (subject: string, summary: string, before: string, after: string) =>
    out.push(change("escalation", "tier-weakened", { subject: `${name} ${subject}`, summary, before, after, severity, tiers: [name] }));
  const stronger = (subject: string, summary: string, before: string, after: string) =>
    out.push(change("reduction", "tier-strengthened", { subject: `${name} ${subject}`, summary, before, after, tiers: [name] }));
  const neutral = (subject: string, summary: string, before: string, after: string) =>
    out.push(change("neutral", "tier-changed", { subject: `${name} ${subject}`, summary, before, after, tiers: [name] }));

  if (b.registration !== t.registration) {
    if (OPEN_REGISTRATION.has(t.registration)) out.push(registration(name, b, t, severity));
    else if (OPEN_REGISTRATION.has(b.registration))
      out.push(change("reduction", "registration-disabled", { subject: name, summary: `Run-time registration (${b.registration}) disabled.`, before: b.registration, after: t.registration, tiers: [name] }));
    else neutral("registration", "Registration kind changed.", b.registration, t.registration);
  }
  const capDelta = sensitivityRank(t.maxSensitivity) - sensitivityRank(b.maxSensitivity);
  if (capDelta > 0) weaker("maxSensitivity", "Tier may now hold more sensitive scopes.", b.maxSensitivity, t.maxSensitivity);
  if (capDelta < 0) stronger("maxSensitivity", "Tier capped at a lower sensitivity.", b.maxSensitivity, t.maxSensitivity);
  for (const g of minus(t.grantTypes, b.grantTypes)) weaker(`grant ${g}`, `Grant type ${g} allowed.`, list(b.grantTypes), list(t.grantTypes));
  for (const g of minus(b.grantTypes, t.grantTypes)) stronger(`grant ${g}`, `Grant type ${g} no longer allowed.`, list(b.grantTypes), list(t.grantTypes));
  if (PKCE_RANK[t.pkce] < PKCE_RANK[b.pkce]) weaker("pkce", "Weaker PKCE (OAuth 2.1 §7.5.1 requires S256 where the client supports it).", b.pkce, t.pkce);
  if (PKCE_RANK[t.pkce] > PKCE_RANK[b.pkce]) stronger("pkce", "Stronger PKCE.", b.pkce, t.pkce);
  const ar = AUTH_RANK[t.tokenEndpointAuthMethod] - AUTH_RANK[b.tokenEndpointAuthMethod];
  if (ar < 0) weaker("tokenEndpointAuthMethod", "Weaker client authentication.", b.tokenEndpointAuthMethod, t.tokenEndpointAuthMethod);
  else if (ar > 0) stronger("tokenEndpointAuthMethod", "Stronger client authentication.", b.tokenEndpointAuthMethod, t.tokenEndpointAuthMethod);
  else if (b.tokenEndpointAuthMethod !== t.tokenEndpointAuthMethod) neutral("tokenEndpointAuthMethod", "Client authentication method changed.", b.tokenEndpointAuthMethod, t.tokenEndpointAuthMethod);
  if (b.clientType !== t.clientType) {
    if (t.clientType === "public") weaker("clientType", "Clients no longer hold a credential.", b.clientType, t.clientType);
    else stronger("clientType", "Clients now authenticate.", b.clientType, t.clientType);
  }
  // An absent allowlist means "everything up to the cap".
  if (b.scopeAllowlist && !t.scopeAllowlist) weaker("scopes", "Scope allowlist removed: the tier may hold every scope up to its cap.", list(b.scopeAllowlist), "(any up to cap)");
  else if (!b.scopeAllowlist && t.scopeAllowlist) stronger("scopes", "Scope allowlist added.", "(any up to cap)", list(t.scopeAllowlist));
  else if (b.scopeAllowlist && t.scopeAllowlist) {
    const added = minus(t.scopeAllowlist, b.scopeAllowlist);
    const removed = minus(b.scopeAllowlist, t.scopeAllowlist);
    if (added.length) weaker("scopes", `Allowlist gained ${added.join(", ")}.`, list(b.scopeAllowlist), list(t.scopeAllowlist));
    if (removed.length) stronger("scopes", `Allowlist lost ${removed.join(", ")}.`, list(b.scopeAllowlist), list(t.scopeAllowlist));
  }
  const bx = new Map(b.exceptions.map((e) => [e.scope, e.justification]));
  for (const e of t.exceptions) {
    if (!bx.has(e.scope)) {
      // E.g. the cap was lowered and the exception keeps a scope the tier already held: no new reach.
      if (heldBefore.has(e.scope)) neutral(`exception ${e.scope}`, `Exception for a scope the tier could already hold, justified as: "${e.justification}"`, "(none)", e.scope);
      else weaker(`exception ${e.scope}`, `Exception above the cap, justified as: "${e.justification}"`, "(none)", e.scope);
    }
    else if (bx.get(e.scope) !== e.justification) neutral(`exception ${e.scope}`, "Exception justification changed.", bx.get(e.scope)!, e.justification);
  }
  for (const e of b.exceptions) {
    if (t.exceptions.some((x) => x.scope === e.scope)) continue;
    if (heldAfter.has(e.scope)) neutral(`exception ${e.scope}`, "Exception removed; the tier may still hold the scope (within its cap).", e.scope, "(none)");
    else stronger(`exception ${e.scope}`, "Exception removed.", e.scope, "(none)");
  }
  if (t.registrationRateLimitPerMinute > b.registrationRateLimitPerMinute)
    weaker("registrationRateLimitPerMinute", "More registrations allowed per minute.", String(b.registrationRateLimitPerMinute), String(t.registrationRateLimitPerMinute));
  if (t.registrationRateLimitPerMinute < b.registrationRateLimitPerMinute)
    stronger("registrationRateLimitPerMinute", "Fewer registrations allowed per minute.", String(b.registrationRateLimitPerMinute), String(t.registrationRateLimitPerMinute));
  if (b.description !== t.description) neutral("description", "Description changed.", b.description ?? "(none)", t.description ?? "(none)");

  // Clients (pre-registered and client-credentials) and their redirect URIs.
  const bc = new Map(b.clients.map((c) => [c.name, c]));
  for (const c of t.clients) {
    const prev = bc.get(c.name);
    const subject = `${name}/${c.name}`;
    if (!prev) {
      out.push(change("escalation", "client-added", { subject, summary: `New client "${c.displayName}".`, after: list(c.redirectUris), severity, tiers: [name] }));
      continue;
    }
    for (const u of minus(c.redirectUris, prev.redirectUris)) out.push(change("escalation", "redirect-uri-added", { subject, summary: `Codes may now be sent to ${u}.`, after: u, severity, tiers: [name] }));
    for (const u of minus(prev.redirectUris, c.redirectUris)) out.push(change("reduction", "redirect-uri-removed", { subject, summary: `Redirect URI ${u} removed.`, before: u, tiers: [name] }));
    // Whoever controls these URLs controls the client's identity or keys.
    if (prev.metadataDocumentUrl !== c.metadataDocumentUrl) weaker(`${c.name} metadataDocumentUrl`, "Client ID metadata document moved.", prev.metadataDocumentUrl ?? "(none)", c.metadataDocumentUrl ?? "(none)");
    if (prev.jwksUri !== c.jwksUri) weaker(`${c.name} jwksUri`, "Client key set moved: whoever controls it can authenticate as the client.", prev.jwksUri ?? "(none)", c.jwksUri ?? "(none)");
  }
  for (const c of b.clients) {
    if (!t.clients.some((x) => x.name === c.name)) out.push(change("reduction", "client-removed", { subject: `${name}/${c.name}`, summary: `Client "${c.displayName}" removed.`, before: list(c.redirectUris), tiers: [name] }));
  }
  // Run-time registration bounds.
  for (const u of minus(t.allowedRedirectUris, b.allowedRedirectUris))
    out.push(change("escalation", "redirect-uri-added", { subject: name, summary: `Registered clients may now use ${u}.`, after: u, severity, tiers: [name] }));
  for (const u of minus(b.allowedRedirectUris, t.allowedRedirectUris)) out.push(change("reduction", "redirect-uri-removed", { subject: name, summary: `Redirect URI ${u} no longer allowed.`, before: u, tiers: [name] }));
  for (const d of minus(t.allowedDomains, b.allowedDomains))
    out.push(change("escalation", "allowed-domain-added", { subject: name, summary: `Client ID metadata documents from ${d} are now trusted.`, after: d, severity, tiers: [name] }));
  for (const d of minus(b.allowedDomains, t.allowedDomains)) out.push(change("reduction", "allowed-domain-removed", { subject: name, summary: `${d} no longer trusted.`, before: d, tiers: [name] }));
  return out;
}

/** Groups added, removed or mapped to a different IdP group, and plan-level settings. */
export function classifyGroupsAndPlan(ctx: DiffContext, reach: { added: readonly ReachChange[]; removed: readonly ReachChange[] }): DiffChange[] {
  const { base, head } = ctx;
  const out: DiffChange[] = [];
  for (const [name, g] of head.groups) {
    const b = base.groups.get(name);
    if (!b) {
      const r = reachOfPrincipal(head, reach.added, "group", name);
      out.push(
        change(g.grants.length ? "escalation" : "neutral", "group-added", {
          subject: name,
          summary: `New group mapped to IdP group "${g.idpGroup}" granting ${g.grants.length ? list(g.grants) : "nothing"}.`,
          after: g.idpGroup,
          ...r,
          scopes: g.grants,
          groups: [name],
        }),
      );
      continue;
    }
    if (b.idpGroup !== g.idpGroup) {
      out.push(
        change("escalation", "group-remapped", {
          subject: name,
          summary: `Members of "${g.idpGroup}" instead of "${b.idpGroup}" now get this group's scopes.`,
          before: b.idpGroup,
          after: g.idpGroup,
          severity: highest(g.grants.map((s) => head.sens(s))),
          scopes: g.grants,
          groups: [name],
        }),
      );
    }
  }
  for (const [name, b] of base.groups) {
    if (head.groups.has(name)) continue;
    const r = reachOfPrincipal(base, reach.removed, "group", name);
    out.push(change("reduction", "group-removed", { subject: name, summary: `Group removed.`, before: b.idpGroup, ...r, severity: undefined, scopes: b.grants, groups: [name] }));
  }
  const bp = base.plan;
  const hp = head.plan;
  const tenantBefore = bp.claims.tenant ? `${bp.claims.tenant.claim}${bp.claims.tenant.required ? " (required)" : ""}` : "(none)";
  const tenantAfter = hp.claims.tenant ? `${hp.claims.tenant.claim}${hp.claims.tenant.required ? " (required)" : ""}` : "(none)";
  if (tenantBefore !== tenantAfter) {
    // The edge rejects tokens without a required tenant claim: dropping that loosens tenant isolation.
    const loosened = bp.claims.tenant?.required === true && hp.claims.tenant?.required !== true;
    out.push(change(loosened ? "escalation" : "neutral", "plan-changed", { subject: "tenant claim", summary: loosened ? "Tokens without a tenant claim are now accepted." : "Tenant claim changed.", before: tenantBefore, after: tenantAfter }));
  }
  for (const [field, bv, hv] of [
    ["name", bp.name, hp.name],
    ["description", bp.description ?? "(none)", hp.description ?? "(none)"],
    ["agent claim", bp.claims.agent?.claim ?? "(none)", hp.claims.agent?.claim ?? "(none)"],
    ["sprawl limit", String(bp.guardrails.sprawlLimit), String(hp.guardrails.sprawlLimit)],
  ] as const) {
    if (bv !== hv) out.push(change("neutral", "plan-changed", { subject: field, summary: `Plan ${field} changed.`, before: bv, after: hv }));
  }
  return out;
}
