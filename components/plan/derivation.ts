import type { McpAuthDeclarationInput } from "../model/declarations.js";
import { SENSITIVITY_LEVELS, type Sensitivity } from "../model/sensitivity.js";
import { DeclarationError, type DeclarationIssue } from "../model/validate.js";
import { compile } from "./compile.js";
import type { McpAuthPlan } from "./schema.js";

/**
 * A plan's declared part as a declaration: every value a platform team writes, taken from the plan,
 * with each server and tier carrying its effective lifetimes explicitly. Compiling it again gives
 * the plan's derived fields (`servers[].access`, `groups`, `immediateRevocation`, scope `grants`,
 * consent defaults, the min of server and tier lifetimes, rotation) as `compile()` computes them.
 */
export function declarationOfPlan(plan: McpAuthPlan): McpAuthDeclarationInput {
  const level = (name: string): Sensitivity | undefined => plan.scopes.find((s) => s.name === name)?.sensitivity;
  const minutes = Object.fromEntries(plan.sensitivities.map((s) => [s.level, s.accessTokenMinutes])) as Record<Sensitivity, number>;
  const reconsent = Object.fromEntries(plan.sensitivities.filter((s) => s.reconsentDays !== undefined).map((s) => [s.level, s.reconsentDays]));
  const opsOf = (server: McpAuthPlan["servers"][number], kind: "tool" | "resource" | "prompt") =>
    Object.fromEntries(
      server.operations.filter((o) => o.kind === kind).map((o) => [o.name, { scopes: [...o.scopes], ...(o.description !== undefined ? { description: o.description } : {}) }]),
    );
  return {
    name: plan.name,
    ...(plan.description !== undefined ? { description: plan.description } : {}),
    scopes: Object.fromEntries(
      plan.scopes.map((s) => [
        s.name,
        {
          description: s.description,
          displayName: s.displayName,
          // An undeclared sensitivity compiles to critical (fail closed); keep it undeclared.
          ...(s.sensitivityDeclared ? { sensitivity: s.sensitivity } : {}),
          implies: [...s.implies],
        },
      ]),
    ),
    servers: plan.servers.map((s) => ({
      name: s.name,
      resource: s.declaredResource,
      displayName: s.displayName,
      ...(s.description !== undefined ? { description: s.description } : {}),
      tools: opsOf(s, "tool"),
      resources: opsOf(s, "resource"),
      prompts: opsOf(s, "prompt"),
      consent: { mandatory: [...s.consent.mandatory], optional: [...s.consent.optional], stepUp: [...s.consent.stepUp], reconsentDays: { ...s.consent.reconsentDays } },
      tokens: {
        accessTokenMinutes: { ...s.accessTokenMinutes },
        refreshToken: { ...s.refreshToken },
        // The levels whose scopes the server revokes at once; compile() lists every scope of them again.
        immediateRevocation: SENSITIVITY_LEVELS.filter((l) => s.immediateRevocation.some((x) => level(x) === l)),
      },
      allowedOrigins: [...s.allowedOrigins],
      ...(s.upstream !== undefined ? { upstream: s.upstream } : {}),
      ...(s.authorization !== undefined ? { authorization: s.authorization } : {}),
      ...(s.enforcement !== undefined ? { enforcement: s.enforcement } : {}),
      ...(s.filterLists === true ? { filterLists: true } : {}),
    })),
    tiers: Object.fromEntries(
      plan.tiers.map((t) => [
        t.name,
        {
          ...(t.description !== undefined ? { description: t.description } : {}),
          registration: t.registration,
          clientType: t.clientType,
          grantTypes: [...t.grantTypes],
          pkce: t.pkce,
          tokenEndpointAuthMethod: t.tokenEndpointAuthMethod,
          maxSensitivity: t.maxSensitivity,
          ...(t.scopeAllowlist ? { scopes: [...t.scopeAllowlist] } : {}),
          exceptions: t.exceptions.map((e) => ({ ...e })),
          clients: t.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris] })),
          allowedDomains: [...t.allowedDomains],
          allowedRedirectUris: [...t.allowedRedirectUris],
          registrationRateLimitPerMinute: t.registrationRateLimitPerMinute,
          tokens: { accessTokenMinutes: { ...t.accessTokenMinutes }, refreshToken: { ...t.refreshToken } },
        },
      ]),
    ),
    consent: { reconsentDays: reconsent },
    tokens: { accessTokenMinutes: minutes, immediateRevocation: plan.sensitivities.filter((s) => s.immediateRevocation).map((s) => s.level) },
    groups: Object.fromEntries(
      plan.groups.map((g) => [g.name, { ...(g.description !== undefined ? { description: g.description } : {}), idpGroup: g.idpGroup, scopes: [...g.scopes] }]),
    ),
    claims: { ...plan.claims },
    dev: { users: plan.dev.users.map((u) => ({ ...u, groups: [...u.groups] })) },
    guardrails: structuredClone(plan.guardrails),
  } as McpAuthDeclarationInput;
}

/** Array elements are matched by their identity field, so paths read `servers[crm].access[dcr].scopes`. */
const KEYS = ["name", "tier", "group", "level", "username", "scope"] as const;
const keyOf = (v: unknown): string | undefined => {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  for (const k of KEYS) {
    // Operations: a tool and a prompt may share a name.
    if (typeof o[k] === "string") return typeof o.kind === "string" ? `${o.kind}:${o[k] as string}` : (o[k] as string);
  }
  return undefined;
};
const short = (v: unknown): string => {
  const s = JSON.stringify(v) ?? "(absent)";
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
};

/** Paths where `actual` differs from `expected`, with both values (at most `limit`). */
function differences(expected: unknown, actual: unknown, path: string, out: DeclarationIssue[], limit: number): void {
  if (out.length >= limit) return;
  if (JSON.stringify(expected) === JSON.stringify(actual)) return;
  const keyed = (xs: unknown[]) => (xs.every((x) => keyOf(x) !== undefined) ? new Map(xs.map((x) => [keyOf(x)!, x])) : undefined);
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if ([...expected, ...actual].every((x) => typeof x === "string")) {
      // Lists of names (scopes, grants): say what was added and what was dropped.
      const added = actual.filter((x) => !expected.includes(x)).map(short);
      const dropped = expected.filter((x) => !actual.includes(x)).map(short);
      const parts = [added.length ? `has ${added.join(", ")}` : "", dropped.length ? `lacks ${dropped.join(", ")}` : ""].filter(Boolean);
      out.push({ path, message: `${parts.length ? parts.join(" and ") : `is ordered ${short(actual)}`}, unlike what its declared part derives` });
      return;
    }
    const e = keyed(expected);
    const a = keyed(actual);
    if (e && a && expected.length > 0 && actual.length > 0) {
      // A key listed twice: readers take the first entry (`find`) or every one, so a duplicate must
      // not hide behind a last copy that matches (the Map keeps only the last).
      for (const k of new Set(actual.map(keyOf))) {
        const n = actual.filter((x) => keyOf(x) === k).length;
        if (n > 1 && out.length < limit) out.push({ path: `${path}[${k!}]`, message: `is listed ${n} times, unlike what its declared part derives` });
      }
      for (const k of new Set([...e.keys(), ...a.keys()])) differences(e.get(k), a.get(k), `${path}[${k}]`, out, limit);
      return;
    }
  } else if (typeof expected === "object" && expected !== null && typeof actual === "object" && actual !== null && !Array.isArray(expected) && !Array.isArray(actual)) {
    const ek = expected as Record<string, unknown>;
    const ak = actual as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ek), ...Object.keys(ak)])) differences(ek[k], ak[k], path ? `${path}.${k}` : k, out, limit);
    return;
  }
  out.push({ path, message: `is ${short(actual)} where its declared part derives ${short(expected)}` });
}

/**
 * Re-derives a plan from its declared part and says where its derived fields disagree: a plan.json
 * edited by hand (say, the DCR tier's `access[].scopes` given an export scope) is refused instead of
 * deployed, because targets and the edge read the derived fields while the rules judge declared ones.
 * Returns an empty list for any plan `compile()` produced. Each issue's path is the plan field
 * (`servers[crm].access[dcr].scopes`), or the declaration path when the declared part is invalid.
 */
export function planDerivationIssues(plan: McpAuthPlan, limit = 5): DeclarationIssue[] {
  let derived: McpAuthPlan;
  try {
    derived = compile(declarationOfPlan(plan));
  } catch (e) {
    if (!(e instanceof DeclarationError)) throw e;
    return e.issues.slice(0, limit).map((i) => ({ path: i.path, message: `its declared part is not a valid declaration: ${i.message}` }));
  }
  const out: DeclarationIssue[] = [];
  differences(derived, plan, "", out, limit);
  return out;
}

/** `planDerivationIssues` as one sentence each (`<path> <message>`), as the policy pack reports them. */
export function planDerivationProblems(plan: McpAuthPlan, limit = 5): string[] {
  return planDerivationIssues(plan, limit).map((i) => `${i.path || "(root)"}${i.message.startsWith("its declared") ? ": " : " "}${i.message}`);
}
