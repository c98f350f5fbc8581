import { edgeConfigFor } from "../../edge-config.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { parseEdgeConfig, type EdgeConfig } from "../../../lambda/config.js";
import type { EntraServerSpec } from "./mapping.js";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The v2 issuer Entra puts in `iss` of v2 access tokens (always the tenant GUID, never a domain name). */
export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${requireGuid(tenantId, "tenantId")}/v2.0`;
}

/** Where Entra publishes the tenant's v2 signing keys. */
export function entraJwksUri(tenantId: string): string {
  return `https://login.microsoftonline.com/${requireGuid(tenantId, "tenantId")}/discovery/v2.0/keys`;
}

function requireGuid(v: string, field: string): string {
  if (!GUID_RE.test(v)) {
    throw new Error(
      `Entra target: ${field} '${v}' is not a GUID. v2 tokens carry the tenant and application GUIDs ` +
        `(iss https://login.microsoftonline.com/<tenant GUID>/v2.0, aud <application client ID>); pass the GUIDs, not domain names`,
    );
  }
  return v.toLowerCase();
}

/**
 * How the edge names scopes on the wire (RFC 9728 `scopes_supported`, `WWW-Authenticate` `scope`).
 * - `qualified` (default): `<Application ID URI>/<value>`, e.g. `https://mcp.example.com/crm/crm:customers:read`.
 *   MCP clients copy these strings into the authorization request unchanged, and Entra resolves an
 *   unqualified scope against Microsoft Graph (AADSTS650053; mcp-authorization.md §2 pitfall 7),
 *   so only the qualified form works with real clients.
 * - `declared`: the declared names, for clients or gateways that qualify scopes themselves.
 */
export type EntraScopeForm = "qualified" | "declared";

export interface EntraTokenFacts {
  /** Entra tenant ID (GUID). */
  readonly tenantId: string;
  /** The server application's client ID (GUID): the `aud` of its v2 access tokens. */
  readonly applicationClientId: string;
  /** Deploy-time JWKS snapshot (so a cold start fetches nothing). */
  readonly jwks?: { keys: Array<{ kty: string; [k: string]: unknown }> };
  /** Default `qualified`. */
  readonly scopeForm?: EntraScopeForm;
  /** Default 30 seconds. */
  readonly clockToleranceSeconds?: number;
}

/**
 * The edge config for one MCP server on Entra: issuer and JWKS of the tenant's v2 endpoint, both
 * accepted audience forms (the application client-ID GUID that v2 tokens carry, and the
 * identifier URI = resource), the declared maximum token age per sensitivity (Entra cannot issue
 * per-scope lifetimes, so the edge enforces them from `iat`), and `scopeAliases` from each short
 * `scp` value to the scope name the edge uses, and `roles` (group restrictions and agents' application
 * permissions, see `entraRoles`). Validated against the edge schema.
 */
export function entraEdgeConfig(plan: McpAuthPlan, spec: EntraServerSpec, facts: EntraTokenFacts): EdgeConfig {
  const clientId = requireGuid(facts.applicationClientId, "applicationClientId");
  const form = facts.scopeForm ?? "qualified";
  const toWire = new Map(spec.scopes.map((s) => [s.scope, form === "qualified" ? s.requestScope : s.scope]));
  const scopeAliases: Record<string, string> = {};
  for (const s of spec.scopes) scopeAliases[s.value] = toWire.get(s.scope)!;
  const base = edgeConfigFor(plan, spec.server, {
    issuer: entraIssuer(facts.tenantId),
    jwksUri: entraJwksUri(facts.tenantId),
    extraAudiences: [clientId],
    scopeAliases,
    algorithms: ["RS256"],
    ...(facts.jwks ? { jwks: facts.jwks } : {}),
    ...(facts.clockToleranceSeconds !== undefined ? { clockToleranceSeconds: facts.clockToleranceSeconds } : {}),
  });
  // A scope granted by another server's scope but not exposed here keeps its declared name: Entra
  // never puts it in this application's tokens, so it can only appear through implications.
  const wire = (name: string) => toWire.get(name) ?? name;
  const roles = entraRoles(spec, wire);
  if (form === "declared") return roles ? parseEdgeConfig({ ...base, roles }) : base;
  const scopes: EdgeConfig["scopes"] = {};
  for (const [name, s] of Object.entries(base.scopes)) scopes[wire(name)] = { sensitivity: s.sensitivity, grants: s.grants.map(wire) };
  const ops = (o: EdgeConfig["operations"]["tools"]) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...v, scopes: v.scopes.map(wire) }]));
  return parseEdgeConfig({
    ...base,
    scopes,
    scopesSupported: base.scopesSupported.map(wire),
    operations: { tools: ops(base.operations.tools), resources: ops(base.operations.resources), prompts: ops(base.operations.prompts) },
    ...(base.introspection ? { introspection: { ...base.introspection, scopes: base.introspection.scopes.map(wire) } } : {}),
    ...(roles ? { roles } : {}),
  });
}

/**
 * The edge's `roles` config on Entra, whose app roles reach the edge in the token's `roles` claim:
 * - each group's app role (`group.<name>`, assigned to the group) → the scopes the group lists here.
 *   When the plan declares groups, every delegated scope of the server needs such a role
 *   (`requireForScopes`): as on Okta, a member holds only what one of their groups lists, and a
 *   user in no declared group holds nothing. Entra issues delegated scopes regardless of groups,
 *   so this is enforced by the edge.
 * - each application permission (`app.<scope>`, assigned to agent clients) → its scope: app-only
 *   (client-credentials) tokens carry application permissions in `roles` and no `scp`.
 * `undefined` when the server has no roles and the plan no groups (roles are then ignored).
 */
export function entraRoles(spec: EntraServerSpec, wire: (scope: string) => string = (x) => x): EdgeConfig["roles"] {
  if (!spec.groupGated && spec.roles.length === 0 && spec.appPermissions.length === 0) return undefined;
  const grants: Record<string, string[]> = {};
  for (const r of spec.roles) grants[r.value] = r.scopes.map(wire);
  for (const p of spec.appPermissions) grants[p.value] = [wire(p.scope)];
  return { grants, ...(spec.groupGated ? { requireForScopes: spec.scopes.map((s) => wire(s.scope)) } : {}) };
}
