import {
  SENSITIVITY_DEFAULTS,
  SENSITIVITY_LEVELS,
  maxSensitivity,
  sensitivityRank,
  type Sensitivity,
} from "../model/sensitivity.js";
import type { McpAuthDeclaration, ServerDeclaration, TierDeclaration } from "../model/declarations.js";
import { parseDeclarations } from "../model/validate.js";
import { DEFAULT_REFRESH_TOKEN_DAYS } from "../model/bounds.js";
import { implicationClosure } from "./closure.js";
import { canonicalResourceUri } from "./resource-uri.js";
import {
  PLAN_VERSION,
  type McpAuthPlan,
  type MinutesPerSensitivity,
  type PlanGroup,
  type PlanOperation,
  type PlanScope,
  type PlanServer,
  type PlanTier,
} from "./schema.js";

/** Defaults the compiler resolves; every one is visible in the plan. */
export const COMPILE_DEFAULTS = {
  refreshTokenLifetimeDays: DEFAULT_REFRESH_TOKEN_DAYS,
  refreshTokenRotation: true,
  immediateRevocation: ["critical"] as Sensitivity[],
  reconsentDays: { high: 90, critical: 30 },
  pkce: "S256",
  registrationRateLimitPerMinute: 10,
  sprawlLimit: 8,
} as const;

/** The OIDC scope that asks for a refresh token; never advertised by an MCP server (MCP 2026-07-28). */
export const OFFLINE_ACCESS = "offline_access";

const sorted = <T extends string>(xs: Iterable<T>): T[] => [...new Set(xs)].sort();
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byName = <T extends { name: string }>(a: T, b: T) => cmp(a.name, b.name);

type RefreshDecl = { lifetimeDays?: number | undefined; idleDays?: number | undefined; rotation?: boolean | undefined } | undefined;

function resolveRefresh(own: RefreshDecl, base: { lifetimeDays: number; idleDays?: number | undefined; rotation: boolean }) {
  const idleDays = own?.idleDays ?? base.idleDays;
  return {
    lifetimeDays: own?.lifetimeDays ?? base.lifetimeDays,
    ...(idleDays !== undefined ? { idleDays } : {}),
    rotation: own?.rotation ?? base.rotation,
  };
}

function minutes(own: Partial<Record<Sensitivity, number | undefined>> | undefined, base: MinutesPerSensitivity): MinutesPerSensitivity {
  return {
    routine: own?.routine ?? base.routine,
    high: own?.high ?? base.high,
    critical: own?.critical ?? base.critical,
  };
}

const minMinutes = (a: MinutesPerSensitivity, b: MinutesPerSensitivity): MinutesPerSensitivity => ({
  routine: Math.min(a.routine, b.routine),
  high: Math.min(a.high, b.high),
  critical: Math.min(a.critical, b.critical),
});

/**
 * Compiles declarations into the plan. Pure and deterministic: the same input gives a
 * byte-identical `JSON.stringify` of the output. Lifetimes and re-consent cadences above their bounds
 * are refused, never clamped (`model/bounds.ts`), so the plan carries only values within them.
 * @throws DeclarationError (every problem, with paths) when the declaration is invalid or has an implication cycle.
 */
export function compile(input: unknown): McpAuthPlan {
  const decl = parseDeclarations(input);
  return compileParsed(decl);
}

function compileParsed(decl: McpAuthDeclaration): McpAuthPlan {
  const globalMinutes = minutes(decl.tokens?.accessTokenMinutes, {
    routine: SENSITIVITY_DEFAULTS.routine.accessTokenMinutes,
    high: SENSITIVITY_DEFAULTS.high.accessTokenMinutes,
    critical: SENSITIVITY_DEFAULTS.critical.accessTokenMinutes,
  });
  const globalRefresh = resolveRefresh(decl.tokens?.refreshToken, {
    lifetimeDays: COMPILE_DEFAULTS.refreshTokenLifetimeDays,
    rotation: COMPILE_DEFAULTS.refreshTokenRotation,
  });
  const globalReconsent = {
    high: decl.consent?.reconsentDays?.high ?? COMPILE_DEFAULTS.reconsentDays.high,
    critical: decl.consent?.reconsentDays?.critical ?? COMPILE_DEFAULTS.reconsentDays.critical,
  };
  const globalRevocation = decl.tokens?.immediateRevocation ?? COMPILE_DEFAULTS.immediateRevocation;

  const sensitivities = SENSITIVITY_LEVELS.map((level) => {
    const d = SENSITIVITY_DEFAULTS[level];
    const reconsentDays = level === "routine" ? undefined : globalReconsent[level];
    return {
      level,
      accessTokenMinutes: globalMinutes[level],
      consent: d.consent,
      ...(reconsentDays !== undefined ? { reconsentDays } : {}),
      atInstall: d.atInstall,
      immediateRevocation: globalRevocation.includes(level),
    };
  });

  // Scopes and the implication closure.
  const scopeNames = Object.keys(decl.scopes).sort();
  const closure = implicationClosure(new Map(scopeNames.map((s) => [s, decl.scopes[s]!.implies ?? []])));
  const sens = (s: string): Sensitivity => decl.scopes[s]?.sensitivity ?? "critical"; // fail closed
  const grantsOf = (scopes: Iterable<string>) => sorted([...scopes].flatMap((s) => closure.get(s) ?? [s]));

  const servers = decl.servers.map((s) => compileServer(s, sens, globalMinutes, globalRefresh, globalReconsent, globalRevocation)).sort(byName);

  const usedBy = new Map<string, string[]>();
  for (const server of servers) {
    for (const s of server.scopes) {
      const list = usedBy.get(s);
      if (list) list.push(server.name);
      else usedBy.set(s, [server.name]);
    }
  }

  const scopes: PlanScope[] = scopeNames.map((name) => {
    const d = decl.scopes[name]!;
    return {
      name,
      displayName: d.displayName ?? name,
      description: d.description,
      sensitivity: sens(name),
      sensitivityDeclared: d.sensitivity !== undefined,
      implies: sorted(d.implies ?? []),
      grants: closure.get(name) ?? [name],
      servers: sorted(usedBy.get(name) ?? []),
    };
  });

  const tiers: PlanTier[] = Object.entries(decl.tiers)
    .map(([name, t]) => compileTier(name, t, globalMinutes, globalRefresh))
    .sort(byName);

  const groups: PlanGroup[] = Object.entries(decl.groups ?? {})
    .map(([name, g]) => ({
      name,
      ...(g.description !== undefined ? { description: g.description } : {}),
      idpGroup: g.idpGroup ?? name,
      scopes: sorted(g.scopes),
      grants: grantsOf(g.scopes),
    }))
    .sort(byName);

  // Per server: what each tier and group may hold. Sets are built once per tier/group, not per
  // server, so that this stays linear in the number of servers (bench/compile.ts).
  const tierSets = new Map(
    tiers.map((tier) => [
      tier.name,
      {
        allow: tier.scopeAllowlist ? new Set(grantsOf(tier.scopeAllowlist)) : undefined,
        excepted: new Set(tier.exceptions.map((e) => e.scope)),
      },
    ]),
  );
  const groupSets = new Map(groups.map((g) => [g.name, new Set(g.grants)]));
  for (const server of servers) {
    server.access = tiers.map((tier) => {
      const { allow, excepted } = tierSets.get(tier.name)!;
      const scopes = server.scopes.filter(
        (s) => (!allow || allow.has(s)) && (sensitivityRank(sens(s)) <= sensitivityRank(tier.maxSensitivity) || excepted.has(s)),
      );
      return {
        tier: tier.name,
        scopes,
        accessTokenMinutes: minMinutes(server.accessTokenMinutes, tier.accessTokenMinutes),
        refreshToken: {
          lifetimeDays: Math.min(server.refreshToken.lifetimeDays, tier.refreshToken.lifetimeDays),
          ...(server.refreshToken.idleDays !== undefined || tier.refreshToken.idleDays !== undefined
            ? { idleDays: Math.min(server.refreshToken.idleDays ?? Infinity, tier.refreshToken.idleDays ?? Infinity) }
            : {}),
          rotation: server.refreshToken.rotation || tier.refreshToken.rotation,
        },
      };
    });
    // Both lists are sorted, so filtering the (short) server list keeps the order of the grants.
    server.groups = groups.map((g) => ({ group: g.name, scopes: server.scopes.filter((s) => groupSets.get(g.name)!.has(s)) }));
  }

  return {
    planVersion: PLAN_VERSION,
    name: decl.name,
    ...(decl.description !== undefined ? { description: decl.description } : {}),
    sensitivities,
    scopes,
    servers,
    tiers,
    groups,
    claims: {
      ...(decl.claims?.tenant ? { tenant: { claim: decl.claims.tenant.claim, required: decl.claims.tenant.required ?? false } } : {}),
      ...(decl.claims?.agent ? { agent: { claim: decl.claims.agent.claim } } : {}),
    },
    guardrails: {
      sprawlLimit: decl.guardrails?.sprawlLimit ?? COMPILE_DEFAULTS.sprawlLimit,
      ...(decl.guardrails?.maxAccessTokenMinutes ? { maxAccessTokenMinutes: { ...decl.guardrails.maxAccessTokenMinutes } } : {}),
      ...(decl.guardrails?.maxRefreshTokenDays !== undefined ? { maxRefreshTokenDays: decl.guardrails.maxRefreshTokenDays } : {}),
    },
    dev: {
      users: (decl.dev?.users ?? [])
        .map((u) => ({ username: u.username, name: u.name ?? u.username, email: u.email ?? `${u.username}@example.test`, groups: sorted(u.groups ?? []) }))
        .sort((a, b) => cmp(a.username, b.username)),
    },
  };
}

function compileServer(
  s: ServerDeclaration,
  sens: (s: string) => Sensitivity,
  globalMinutes: MinutesPerSensitivity,
  globalRefresh: ReturnType<typeof resolveRefresh>,
  globalReconsent: { high: number; critical: number },
  globalRevocation: readonly Sensitivity[],
): PlanServer {
  const operations: PlanOperation[] = [];
  const kinds = [
    ["tool", s.tools],
    ["resource", s.resources ?? {}],
    ["prompt", s.prompts ?? {}],
    ["template", s.resourceTemplates ?? {}],
  ] as const;
  for (const [k, ops] of kinds) {
    // A resource template is a resource operation naming a URI template (RFC 6570 level 1).
    const kind = k === "template" ? "resource" : k;
    for (const [name, op] of Object.entries(ops)) {
      const scopes = sorted(op.scopes);
      operations.push({
        kind,
        name,
        ...(k === "template" ? { template: true as const } : {}),
        ...(op.description !== undefined ? { description: op.description } : {}),
        scopes,
        sensitivity: scopes.reduce<Sensitivity>((acc, sc) => maxSensitivity(acc, sens(sc)), "routine"),
      });
    }
  }
  operations.sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const c = s.consent;
  const serverScopes = sorted([...operations.flatMap((o) => o.scopes), ...(c?.mandatory ?? []), ...(c?.optional ?? []), ...(c?.stepUp ?? [])]);
  const declaredOptional = new Set(c?.optional ?? []);
  const declaredStepUp = new Set(c?.stepUp ?? []);
  const mandatory = sorted(
    (c?.mandatory ?? serverScopes.filter((x) => sens(x) === "routine" && !declaredOptional.has(x) && !declaredStepUp.has(x))).filter(
      (x) => x !== OFFLINE_ACCESS,
    ),
  );
  const mandatorySet = new Set(mandatory);
  const stepUp = sorted([...declaredStepUp, ...serverScopes.filter((x) => sens(x) !== "routine" && !mandatorySet.has(x) && !declaredOptional.has(x))]).filter(
    (x) => !mandatorySet.has(x),
  );
  const stepUpSet = new Set(stepUp);
  const optional = serverScopes.filter((x) => !mandatorySet.has(x) && !stepUpSet.has(x));

  const revocation = s.tokens?.immediateRevocation ?? globalRevocation;
  return {
    name: s.name,
    resource: canonicalResourceUri(s.resource),
    declaredResource: s.resource,
    displayName: s.displayName,
    ...(s.description !== undefined ? { description: s.description } : {}),
    operations,
    scopes: serverScopes,
    consent: {
      mandatory,
      optional,
      stepUp,
      reconsentDays: {
        high: c?.reconsentDays?.high ?? globalReconsent.high,
        critical: c?.reconsentDays?.critical ?? globalReconsent.critical,
      },
    },
    accessTokenMinutes: minutes(s.tokens?.accessTokenMinutes, globalMinutes),
    refreshToken: resolveRefresh(s.tokens?.refreshToken, globalRefresh),
    immediateRevocation: serverScopes.filter((x) => revocation.includes(sens(x))),
    allowedOrigins: sorted((s.allowedOrigins ?? []).map((o) => new URL(o).origin)),
    ...(s.upstream !== undefined ? { upstream: s.upstream } : {}),
    ...(s.authorization !== undefined ? { authorization: s.authorization } : {}),
    ...(s.enforcement === "observe" ? { enforcement: "observe" as const } : {}),
    ...(s.filterLists === true ? { filterLists: true as const } : {}),
    access: [],
    groups: [],
  };
}

function compileTier(name: string, t: TierDeclaration, globalMinutes: MinutesPerSensitivity, globalRefresh: ReturnType<typeof resolveRefresh>): PlanTier {
  return {
    name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    registration: t.registration,
    clientType: t.clientType,
    grantTypes: sorted(t.grantTypes),
    pkce: t.pkce ?? COMPILE_DEFAULTS.pkce,
    tokenEndpointAuthMethod: t.tokenEndpointAuthMethod ?? (t.clientType === "public" ? "none" : "private_key_jwt"),
    maxSensitivity: t.maxSensitivity,
    ...(t.scopes ? { scopeAllowlist: sorted(t.scopes) } : {}),
    exceptions: [...(t.exceptions ?? [])]
      .map((e) => ({ scope: e.scope, justification: e.justification }))
      .sort((a, b) => cmp(a.scope, b.scope) || cmp(a.justification, b.justification)),
    clients: (t.clients ?? [])
      .map((c) => ({
        name: c.name,
        displayName: c.displayName ?? c.name,
        // Order carries no meaning (each URI is matched exactly), so it is sorted for determinism.
        redirectUris: sorted(c.redirectUris ?? []),
        ...(c.metadataDocumentUrl !== undefined ? { metadataDocumentUrl: c.metadataDocumentUrl } : {}),
        ...(c.jwksUri !== undefined ? { jwksUri: c.jwksUri } : {}),
      }))
      .sort(byName),
    allowedDomains: sorted(t.allowedDomains ?? []),
    allowedRedirectUris: sorted(t.allowedRedirectUris ?? []),
    registrationRateLimitPerMinute: t.registrationRateLimitPerMinute ?? COMPILE_DEFAULTS.registrationRateLimitPerMinute,
    accessTokenMinutes: minutes(t.tokens?.accessTokenMinutes, globalMinutes),
    refreshToken: resolveRefresh(t.tokens?.refreshToken, globalRefresh),
  };
}

/** Serialises a plan the way `pulumi-mcp-auth plan` writes it: 2-space JSON and a final newline. */
export function serializePlan(plan: McpAuthPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
