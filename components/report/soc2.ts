import type { McpAuthPlan, PlanServer } from "../plan/schema.js";
import { runRules } from "../rules/index.js";
import type { CapabilityReport, CapabilitySupport } from "../targets/capabilities.js";
import type { AuditEvidence, Control, Statement } from "./types.js";

/**
 * The SOC 2 (2017 Trust Services Criteria, revised 2022 points of focus) control mapping: for each
 * criterion the report covers, statements that are true of this plan, each citing the plan field or
 * the deployed resource that makes it true, or marked `gap` with what is missing.
 */

const IDP_TARGETS = new Set(["okta", "auth0", "entra", "local"]);

/** How a server's policy is enforced: by the authorization front, or by the IdP (direct mode). */
function authorizationOf(server: PlanServer): "front" | "direct" {
  return server.authorization === "front" ? "front" : "direct";
}

/** The IdP's support for a capability, or undefined when no IdP report was given. */
function idpSupport(caps: readonly CapabilityReport[], id: string): { target: string; support: CapabilitySupport } | undefined {
  for (const r of caps) {
    if (!IDP_TARGETS.has(r.target)) continue;
    const c = r.items.find((i) => i.id === id);
    if (c) return { target: r.target, support: c.support };
  }
  return undefined;
}

const met = (text: string, evidence: string[]): Statement => ({ text, status: "met", evidence });
const gap = (text: string, evidence: string[]): Statement => ({ text, status: "gap", evidence });
const srv = (s: PlanServer, field: string): string => `servers[${s.name}].${field}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const LEVELS = ["routine", "high", "critical"] as const;

/** The sensitivity levels a server's scopes use, lowest first. */
function levelsUsed(plan: McpAuthPlan, s: PlanServer): Array<(typeof LEVELS)[number]> {
  const used = new Set(s.scopes.map((x) => plan.scopes.find((p) => p.name === x)?.sensitivity ?? "critical"));
  return LEVELS.filter((l) => used.has(l));
}

function cc61(plan: McpAuthPlan): Control {
  const statements: Statement[] = [];
  for (const s of plan.servers) {
    if (s.enforcement === "observe") {
      statements.push(gap(`MCP server '${s.name}' runs in observe mode: the edge forwards what the policy refuses and only records it (would-be denials are in the audit records).`, [srv(s, "enforcement")]));
    }
    statements.push(met(`MCP server '${s.name}' accepts only tokens whose audience is ${s.resource}; the edge checks signature, issuer, audience, expiry and the maximum age per sensitivity on every request.`, [srv(s, "resource"), srv(s, "accessTokenMinutes")]));
    const open = s.operations.filter((o) => o.scopes.length === 0);
    statements.push(
      open.length === 0
        ? met(`Every one of the ${s.operations.length} operations of '${s.name}' requires declared scopes; operations the plan does not declare are refused.`, [srv(s, "operations")])
        : gap(`Operations of '${s.name}' that require no scope: ${open.map((o) => `${o.kind} ${o.name}`).join(", ")}.`, open.map((o) => srv(s, `operations[${o.kind} ${o.name}].scopes`))),
    );
  }
  for (const t of plan.tiers) {
    if (t.grantTypes.includes("authorization_code")) {
      statements.push(
        t.pkce === "S256"
          ? met(`Tier '${t.name}' requires PKCE S256 for the authorization code flow.`, [`tiers[${t.name}].pkce`])
          : gap(`Tier '${t.name}' uses the authorization code flow without PKCE S256 (pkce: ${t.pkce}).`, [`tiers[${t.name}].pkce`]),
      );
    }
    if (t.clientType === "confidential") {
      statements.push(
        t.tokenEndpointAuthMethod === "none"
          ? gap(`Confidential tier '${t.name}' does not authenticate at the token endpoint.`, [`tiers[${t.name}].tokenEndpointAuthMethod`])
          : met(`Clients of tier '${t.name}' authenticate at the token endpoint with ${t.tokenEndpointAuthMethod}.`, [`tiers[${t.name}].tokenEndpointAuthMethod`]),
      );
    }
  }
  return { id: "CC6.1", title: "Logical access: only authenticated, authorized clients reach MCP tools", statements };
}

function cc62(plan: McpAuthPlan, caps: readonly CapabilityReport[]): Control {
  const statements: Statement[] = [];
  const cadence = idpSupport(caps, "reconsent-cadence");
  for (const s of plan.servers) {
    for (const level of ["high", "critical"] as const) {
      const used = s.scopes.some((x) => plan.scopes.find((p) => p.name === x)?.sensitivity === level);
      if (!used) continue;
      const days = s.consent.reconsentDays[level];
      const evidence = [srv(s, `consent.reconsentDays.${level}`), `sensitivities[${level}].reconsentDays`];
      if (authorizationOf(s) === "front") {
        statements.push(met(`Consent to ${level} scopes on '${s.name}' is renewed at least every ${days} days, enforced by the authorization front from the stored consent date.`, [...evidence, srv(s, "authorization")]));
      } else if (cadence === undefined) {
        statements.push(gap(`Consent to ${level} scopes on '${s.name}' is declared to be renewed every ${days} days, but no IdP capability report was given to show who enforces it (pass --idp).`, evidence));
      } else if (cadence.support === "unsupported") {
        statements.push(gap(`Consent to ${level} scopes on '${s.name}' should be renewed every ${days} days, but ${cadence.target} does not expire consent on a schedule; serve it through the authorization front (authorization: "front").`, [...evidence, `capabilities[${cadence.target}].reconsent-cadence`]));
      } else {
        statements.push(met(`Consent to ${level} scopes on '${s.name}' is renewed at least every ${days} days (${cadence.target}: ${cadence.support}).`, [...evidence, `capabilities[${cadence.target}].reconsent-cadence`]));
      }
    }
  }
  statements.push(met("Every grant and revocation decision the edge makes is an audit record (user, client, agent, tool, scopes, result, time, source), so access can be reviewed per user and per client.", ["McpEdge aws:cloudwatch:LogGroup (audit records)", "McpEdge aws:cloudwatch:QueryDefinition (saved review queries)"]));
  return { id: "CC6.2", title: "Periodic review: consent renewed on a cadence, grants and revocations on record", statements };
}

function cc63(plan: McpAuthPlan, caps: readonly CapabilityReport[]): Control {
  const statements: Statement[] = [];
  const level = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  const rank = { routine: 0, high: 1, critical: 2 } as const;
  for (const t of plan.tiers) {
    const held = plan.servers.flatMap((s) => s.access.filter((a) => a.tier === t.name).flatMap((a) => a.scopes.map((x) => ({ server: s.name, scope: x }))));
    const over = held.filter((h) => rank[level.get(h.scope) ?? "critical"] > rank[t.maxSensitivity] && !t.exceptions.some((e) => e.scope === h.scope));
    statements.push(
      over.length === 0
        ? met(`Tier '${t.name}' (${t.registration}) may hold at most ${t.maxSensitivity} scopes: ${plural(held.length, "scope grant")} across ${plural(new Set(held.map((h) => h.server)).size, "server")}.`, [`tiers[${t.name}].maxSensitivity`, `servers[*].access[${t.name}].scopes`])
        : gap(`Tier '${t.name}' holds scopes above its cap (${t.maxSensitivity}): ${over.map((o) => `${o.server}:${o.scope}`).join(", ")}.`, [`tiers[${t.name}].maxSensitivity`]),
    );
  }
  for (const lvl of ["high", "critical"] as const) {
    const p = plan.sensitivities.find((s) => s.level === lvl);
    if (!p) continue;
    statements.push(
      p.atInstall
        ? gap(`${lvl} scopes are requested at install instead of on first use.`, [`sensitivities[${lvl}].atInstall`])
        : met(`${lvl === "high" ? "High" : "Critical"} scopes are never requested at install; clients obtain them by step-up when an operation needs them.`, [`sensitivities[${lvl}].atInstall`, "servers[*].consent.stepUp"]),
    );
  }
  const perAction = idpSupport(caps, "consent-per-action");
  for (const s of plan.servers) {
    if (!levelsUsed(plan, s).includes("critical")) continue;
    const evidence = [`sensitivities[critical].consent`, srv(s, "consent.stepUp")];
    if (authorizationOf(s) === "front") statements.push(met(`Critical scopes on '${s.name}' are approved by the user for each action: the front issues no refresh token for them and a critical grant lives at most ${s.accessTokenMinutes.critical} minutes.`, [...evidence, srv(s, "authorization")]));
    else if (perAction === undefined || perAction.support === "unsupported" || perAction.support === "partial") statements.push(gap(`Critical scopes on '${s.name}' are declared per-action, but ${perAction ? `${perAction.target} remembers consent` : "no IdP report shows who asks per action"}; serve it through the authorization front (authorization: "front").`, [...evidence, ...(perAction ? [`capabilities[${perAction.target}].consent-per-action`] : [])]));
    else statements.push(met(`Critical scopes on '${s.name}' are approved per action (${perAction.target}: ${perAction.support}).`, [...evidence, `capabilities[${perAction.target}].consent-per-action`]));
  }
  const findings = runRules(plan);
  const errors = findings.filter((f) => f.severity === "error");
  statements.push(
    errors.length === 0
      ? met(`The guardrail rules (no omnibus or wildcard scopes, one scope per resource and verb, tier caps, scope sprawl) report no error (${plural(findings.length, "warning")}).`, ["pulumi-mcp-auth check", "policy pack mcp-auth-guardrails"])
      : gap(`The guardrail rules report ${errors.length} errors: ${[...new Set(errors.map((e) => e.ruleId))].join(", ")}.`, ["pulumi-mcp-auth check"]),
  );
  return { id: "CC6.3", title: "Least privilege: scopes per resource and verb, capped per client tier", statements };
}

function cc72(audit: AuditEvidence | undefined): Control {
  const statements: Statement[] = [
    met("The edge writes one hash-chained audit record per allow and deny decision, with sanitized parameters and no token.", ["McpEdge aws:lambda:Function (edge)", "McpEdge aws:cloudwatch:LogGroup"]),
    met("Denial bursts (401/403) raise CloudWatch alarms, and saved Logs Insights queries answer the reviewers' questions (what an agent did for a user, denied high-sensitivity calls, clients using a scope, chain gaps).", ["McpEdge aws:cloudwatch:MetricAlarm", "McpEdge aws:cloudwatch:QueryDefinition"]),
  ];
  if (audit) {
    // The report reads no checkpoints: it can vouch for the hash chain's links, not for a cut tail
    // or a log rewritten whole (`audit verify --checkpoints` checks those).
    statements.push(
      audit.records === 0
        ? gap("The audit export given holds no audit record, so it is no evidence of the decisions logged.", ["audit export"])
        : audit.verified
          ? met(
              `The audit export given verifies as a hash chain: ${audit.records} records in ${audit.chains} chains, none missing, reordered or edited before its chain's last record${audit.partial ? " within the window" : ""}. Records cut from a chain's end, or a log rewritten whole, are found only against the signed checkpoints (pulumi-mcp-auth audit verify --checkpoints).`,
              ["audit export"],
            )
          : gap(`The audit export given does not verify: ${audit.problems.slice(0, 3).join("; ")}${audit.problems.length > 3 ? "; …" : ""}.`, ["audit export"]),
    );
  }
  return { id: "CC7.2", title: "Monitoring: decisions logged, anomalies alarmed, queries ready", statements };
}

function cc73(plan: McpAuthPlan, caps: readonly CapabilityReport[]): Control {
  const statements: Statement[] = [];
  const revocation = idpSupport(caps, "immediate-revocation");
  for (const s of plan.servers) {
    const critical = s.scopes.filter((x) => plan.scopes.find((p) => p.name === x)?.sensitivity === "critical");
    if (critical.length > 0) {
      const missing = critical.filter((x) => !s.immediateRevocation.includes(x));
      const evidence = [srv(s, "immediateRevocation")];
      if (missing.length > 0) statements.push(gap(`Critical scopes on '${s.name}' without immediate revocation: ${missing.join(", ")}.`, evidence));
      else if (authorizationOf(s) === "front") statements.push(met(`Tokens with critical scopes on '${s.name}' are checked for revocation on every request; the front revokes by user, by client (admin) and by grant (RFC 7009).`, [...evidence, srv(s, "authorization")]));
      else if (revocation?.support === "unsupported") statements.push(gap(`Critical scopes on '${s.name}' should be revocable at once, but ${revocation.target} cannot revoke its JWTs; serve it through the authorization front.`, [...evidence, `capabilities[${revocation.target}].immediate-revocation`]));
      else statements.push(met(`Tokens with critical scopes on '${s.name}' are introspected by the edge on every request, so a revoked grant stops working at once.`, evidence));
    }
    const m = s.accessTokenMinutes;
    const bounds = levelsUsed(plan, s).map((l) => `${m[l]} min (${l})`);
    if (bounds.length > 0) statements.push(met(`A leaked token for '${s.name}' is usable for at most ${bounds.join(", ")}.`, [srv(s, "accessTokenMinutes")]));
  }
  for (const t of plan.tiers) {
    if (t.clientType !== "public" || !t.grantTypes.includes("refresh_token")) continue;
    statements.push(
      t.refreshToken.rotation
        ? met(`Refresh tokens of public tier '${t.name}' rotate on use (a replayed one is detected) and live at most ${t.refreshToken.lifetimeDays} days.`, [`tiers[${t.name}].refreshToken`])
        : gap(`Refresh tokens of public tier '${t.name}' do not rotate.`, [`tiers[${t.name}].refreshToken.rotation`]),
    );
  }
  return { id: "CC7.3", title: "Incident response: revocation paths and bounded token exposure", statements };
}

export function soc2Controls(input: McpAuthPlan, caps: readonly CapabilityReport[], audit?: AuditEvidence): Control[] {
  // Statements follow name order, so the report does not depend on the order of the plan's arrays.
  const byName = <T extends { name: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const plan: McpAuthPlan = { ...input, servers: byName(input.servers), tiers: byName(input.tiers) };
  return [cc61(plan), cc62(plan, caps), cc63(plan, caps), cc72(audit), cc73(plan, caps)];
}
