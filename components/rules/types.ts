import type { McpAuthPlan } from "../plan/schema.js";

export type Severity = "error" | "warning";

/** What a finding is about, so tools can group and link findings. */
export interface FindingTarget {
  readonly kind: "plan" | "scope" | "server" | "operation" | "tier" | "group" | "client";
  /** e.g. `crm:customers:read`, `crm`, `crm/tools/export_customers`, `dcr`, `verified/claude-code`. */
  readonly name: string;
}

/** One guardrail finding. `message` is one sentence naming the offending scope/server/tier. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  /** How to fix it, one sentence. */
  readonly fix: string;
  /** The spec or reference the rule enforces (e.g. "MCP 2026-07-28 Scope Minimization"). */
  readonly reference: string;
  readonly target: FindingTarget;
}

/** A guardrail rule: pure, plan in, findings out. Reused by the CLI and the policy pack. */
export interface Rule {
  /** Stable kebab-case id, e.g. `no-omnibus-scopes`. */
  readonly id: string;
  readonly severity: Severity;
  /** One sentence: what the rule requires. */
  readonly description: string;
  /** How to fix a finding of this rule, in general (for docs; each finding carries a specific fix). Optional for rules defined elsewhere. */
  readonly fix?: string;
  readonly reference: string;
  check(plan: McpAuthPlan): Finding[];
}
