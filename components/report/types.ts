import type { Sensitivity } from "../model/sensitivity.js";
import type { CapabilitySupport } from "../targets/capabilities.js";

/**
 * The security-review report: plain, deterministic data built from the plan (and, where given,
 * capability reports and an audit export). Rendered as Markdown or JSON by `pulumi-mcp-auth report`.
 */
export const REPORT_VERSION = 1 as const;

export interface SecurityReport {
  version: typeof REPORT_VERSION;
  plan: string;
  taxonomy: TaxonomyRow[];
  holdings: HoldingRow[];
  lifetimes: LifetimeRow[];
  enforcement: EnforcementRow[];
  controls: Control[];
  audit?: AuditEvidence;
  /** Statements whose status is `gap`, in control order (what `--fail-on gap` counts). */
  gaps: Array<{ control: string; statement: string }>;
}

export interface TaxonomyRow {
  scope: string;
  sensitivity: Sensitivity;
  description: string;
  /** Scopes this one grants besides itself (implication closure). */
  implies: string[];
  /** `server/kind name` of every operation that needs this scope. */
  operations: string[];
}

/** Who can hold a scope on a server: through which tiers, and which groups' members may be granted it. */
export interface HoldingRow {
  server: string;
  scope: string;
  sensitivity: Sensitivity;
  tiers: string[];
  /** Groups whose members may be granted the scope; `null` when the plan declares no groups (any user). */
  groups: string[] | null;
}

export interface LifetimeRow {
  sensitivity: Sensitivity;
  /** The plan's policy for the level. */
  accessTokenMinutes: number;
  consent: string;
  reconsentDays: number | null;
  atInstall: boolean;
  immediateRevocation: boolean;
  /** Longest effective access-token lifetime of the level on any server and tier, minutes. */
  longestEffectiveMinutes: number;
  /** Longest refresh-token lifetime of any tier that may hold a scope of this level, days (0: none). */
  longestRefreshDays: number;
}

export interface EnforcementRow {
  /** Capability id, e.g. `per-scope-lifetime`. */
  id: string;
  policy: string;
  /** Per target (okta, auth0, entra, aws, …): support and the mechanism or gap. */
  targets: Record<string, { support: CapabilitySupport; how: string }>;
}

export type ControlId = "CC6.1" | "CC6.2" | "CC6.3" | "CC7.2" | "CC7.3";

export interface Control {
  id: ControlId;
  title: string;
  statements: Statement[];
}

export interface Statement {
  /** One sentence, true of this deployment when `status` is `met`. */
  text: string;
  status: "met" | "gap";
  /** Plan fields (`servers[crm].consent.reconsentDays.high`) or resources (`aws:cloudwatch:MetricAlarm …`) that make it true. */
  evidence: string[];
}

export interface AuditEvidence {
  records: number;
  chains: number;
  /** Chain verification as `verifyAuditChain` reports it. */
  verified: boolean;
  /** Verified as a time window of a longer log (`report --partial`): chains may start mid-way. */
  partial?: true;
  problems: string[];
  decisions: { allow: number; deny: number };
  /** Denials by reason code, sorted by count then name. */
  denialsByReason: Array<{ reason: string; count: number }>;
  /** Requests an observe-mode server let through that enforcement would have refused. */
  wouldDeny: Array<{ server: string; reason: string; count: number }>;
  /** First and last record time (ISO 8601), when any record has one. */
  from?: string;
  to?: string;
}
