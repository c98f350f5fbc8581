import type { Finding, FindingTarget, Rule, Severity } from "./types.js";
import type { McpAuthPlan, PlanOperation } from "../plan/schema.js";

/** What a rule module declares; `defineRule` adds the rule's id, severity and reference to every finding. */
export interface RuleSpec {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  /** How to fix a finding, in general (each finding also carries a specific `fix`). */
  readonly fix: string;
  readonly reference: string;
  /** Yields the offending target, a one-sentence message and a one-sentence fix. */
  findings(plan: McpAuthPlan): Iterable<{ target: FindingTarget; message: string; fix: string; severity?: Severity }>;
}

/** Builds a pure `Rule` from a spec. */
export function defineRule(spec: RuleSpec): Rule {
  return {
    id: spec.id,
    severity: spec.severity,
    description: spec.description,
    fix: spec.fix,
    reference: spec.reference,
    check(plan: McpAuthPlan): Finding[] {
      const out: Finding[] = [];
      for (const f of spec.findings(plan)) {
        out.push({ ruleId: spec.id, severity: f.severity ?? spec.severity, message: f.message, fix: f.fix, reference: spec.reference, target: f.target });
      }
      return out;
    },
  };
}

export const scopeTarget = (name: string): FindingTarget => ({ kind: "scope", name });
export const serverTarget = (name: string): FindingTarget => ({ kind: "server", name });
export const tierTarget = (name: string): FindingTarget => ({ kind: "tier", name });
export const clientTarget = (tier: string, client: string): FindingTarget => ({ kind: "client", name: `${tier}/${client}` });
export const planTarget = (name: string): FindingTarget => ({ kind: "plan", name });
/** `crm/tools/export_customers`, `crm/resources/crm://customers`, `crm/prompts/summary`. */
export const operationTarget = (server: string, op: Pick<PlanOperation, "kind" | "name">): FindingTarget => ({
  kind: "operation",
  name: `${server}/${op.kind}s/${op.name}`,
});

/** The `<verb>` segment of `<domain>:<resource>:<verb>` (the last `:`-separated segment). */
export const verbOf = (scope: string): string => scope.slice(scope.lastIndexOf(":") + 1);

/** `1 scope`, `2 scopes`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
