import { SENSITIVITY_LEVELS, sensitivityRank, type Sensitivity } from "../model/sensitivity.js";
import type { McpAuthPlan } from "../plan/schema.js";
import type { CapabilityReport } from "../targets/capabilities.js";
import { soc2Controls } from "./soc2.js";
import { REPORT_VERSION, type AuditEvidence, type EnforcementRow, type HoldingRow, type LifetimeRow, type SecurityReport, type TaxonomyRow } from "./types.js";

export interface ReportInput {
  plan: McpAuthPlan;
  /** Capability reports of the targets in use (an IdP and, usually, `aws`). */
  capabilities?: readonly CapabilityReport[];
  /** Summary of an audit export (see `summarizeAuditExport`). */
  audit?: AuditEvidence;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sensitivityOf(plan: McpAuthPlan): (scope: string) => Sensitivity {
  const map = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  // A scope the plan does not list is treated as critical (fail closed), as the compiler does.
  return (scope) => map.get(scope) ?? "critical";
}

function taxonomy(plan: McpAuthPlan): TaxonomyRow[] {
  return plan.scopes.map((s) => ({
    scope: s.name,
    sensitivity: s.sensitivity,
    description: s.description,
    implies: s.grants.filter((g) => g !== s.name).sort(byName),
    operations: plan.servers
      .flatMap((srv) => srv.operations.filter((op) => op.scopes.includes(s.name)).map((op) => `${srv.name}/${op.kind} ${op.name}`))
      .sort(byName),
  }));
}

function holdings(plan: McpAuthPlan): HoldingRow[] {
  const level = sensitivityOf(plan);
  const rows: HoldingRow[] = [];
  for (const server of plan.servers) {
    for (const scope of server.scopes) {
      rows.push({
        server: server.name,
        scope,
        sensitivity: level(scope),
        tiers: server.access.filter((a) => a.scopes.includes(scope)).map((a) => a.tier).sort(byName),
        groups: plan.groups.length === 0 ? null : server.groups.filter((g) => g.scopes.includes(scope)).map((g) => g.group).sort(byName),
      });
    }
  }
  return rows;
}

function lifetimes(plan: McpAuthPlan): LifetimeRow[] {
  const level = sensitivityOf(plan);
  const tiers = new Map(plan.tiers.map((t) => [t.name, t]));
  return SENSITIVITY_LEVELS.flatMap((lvl) => {
    const policy = plan.sensitivities.find((s) => s.level === lvl);
    if (!policy) return [];
    let longest = 0;
    let refresh = 0;
    for (const server of plan.servers) {
      for (const a of server.access) {
        if (!a.scopes.some((s) => level(s) === lvl)) continue;
        longest = Math.max(longest, a.accessTokenMinutes[lvl]);
        if (tiers.get(a.tier)?.grantTypes.includes("refresh_token")) refresh = Math.max(refresh, a.refreshToken.lifetimeDays);
      }
    }
    return [
      {
        sensitivity: lvl,
        accessTokenMinutes: policy.accessTokenMinutes,
        consent: policy.consent,
        reconsentDays: policy.reconsentDays ?? null,
        atInstall: policy.atInstall,
        immediateRevocation: policy.immediateRevocation,
        longestEffectiveMinutes: longest,
        longestRefreshDays: refresh,
      },
    ];
  });
}

function enforcement(reports: readonly CapabilityReport[]): EnforcementRow[] {
  const rows = new Map<string, EnforcementRow>();
  for (const r of reports) {
    for (const c of r.items) {
      const row = rows.get(c.id) ?? { id: c.id, policy: c.policy, targets: {} };
      row.targets[r.target] = { support: c.support, how: c.how };
      rows.set(c.id, row);
    }
  }
  return [...rows.values()];
}

/** Builds the security-review report. Deterministic: the same input gives the same report. */
export function buildSecurityReport(input: ReportInput): SecurityReport {
  const { plan } = input;
  const capabilities = input.capabilities ?? [];
  const controls = soc2Controls(plan, capabilities, input.audit);
  const gaps = controls.flatMap((c) => c.statements.filter((s) => s.status === "gap").map((s) => ({ control: c.id, statement: s.text })));
  return {
    version: REPORT_VERSION,
    plan: plan.name,
    taxonomy: taxonomy(plan).sort((a, b) => sensitivityRank(b.sensitivity) - sensitivityRank(a.sensitivity) || byName(a.scope, b.scope)),
    holdings: holdings(plan),
    lifetimes: lifetimes(plan),
    enforcement: enforcement(capabilities),
    controls,
    ...(input.audit ? { audit: input.audit } : {}),
    gaps,
  };
}
