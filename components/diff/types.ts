import type { Sensitivity } from "../model/sensitivity.js";

/**
 * The PR review of two plans: what an agent could do after the merge that it could not do before.
 * Plain data with a stable order (re-runs on the same inputs give byte-identical output), rendered by
 * `renderDiffMarkdown` (PR comment) and `renderDiffJson` (other tools).
 */

/** How a change moves what agents may do. */
export const CHANGE_CATEGORIES = ["escalation", "reduction", "neutral"] as const;
export type ChangeCategory = (typeof CHANGE_CATEGORIES)[number];

/**
 * Every kind of change, in the order reports list them. The order is part of the output contract
 * (stable ordering), so append new kinds rather than reorder.
 */
export const CHANGE_KINDS = [
  // Scope taxonomy.
  "scope-added",
  "scope-removed",
  "sensitivity-lowered",
  "sensitivity-raised",
  "scope-description-changed",
  "scope-display-name-changed",
  "implication-added",
  "implication-removed",
  // Who may hold what.
  "tier-gained-scope",
  "tier-lost-scope",
  "group-gained-scope",
  "group-lost-scope",
  "group-remapped",
  // Consent.
  "consent-relaxed",
  "consent-tightened",
  // Lifetimes and revocation.
  "lifetime-longer",
  "lifetime-shorter",
  "revocation-weakened",
  "revocation-strengthened",
  // Operations.
  "operation-fewer-scopes",
  "operation-more-scopes",
  "operation-added",
  "operation-removed",
  "operation-description-changed",
  // Clients and registration.
  "registration-enabled",
  "registration-disabled",
  "client-added",
  "client-removed",
  "redirect-uri-added",
  "redirect-uri-removed",
  "allowed-domain-added",
  "allowed-domain-removed",
  "tier-weakened",
  "tier-strengthened",
  "tier-changed",
  // Servers, tiers and groups as a whole.
  "server-added",
  "server-removed",
  "server-changed",
  "origin-added",
  "origin-removed",
  "enforcement-relaxed",
  "enforcement-restored",
  "tier-added",
  "tier-removed",
  "group-added",
  "group-removed",
  "plan-changed",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One classified change and everything it touches. Every list is sorted and de-duplicated. */
export interface DiffChange {
  readonly category: ChangeCategory;
  readonly kind: ChangeKind;
  /** What changed: a scope, `tier/client`, `server/operation`, a field name, … */
  readonly subject: string;
  /** One sentence for a reviewer. */
  readonly summary: string;
  /** Value before the change, when one value describes it (e.g. `60 min`, `step-up`). */
  readonly before?: string;
  /** Value after the change. */
  readonly after?: string;
  /**
   * How much is at stake: the highest sensitivity an agent could reach through the change (for a tier
   * change, the tier's cap). Absent when nothing sensitive is involved.
   */
  readonly severity?: Sensitivity;
  readonly servers: readonly string[];
  /** Operations as `server/name` (tools, resources and prompts). */
  readonly tools: readonly string[];
  readonly tiers: readonly string[];
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

/** Who can reach an operation: a trust tier (client side) or an IdP group (user side). */
export interface Principal {
  readonly type: "tier" | "group";
  readonly name: string;
}

/** One (principal, server, operation) that is reachable on one side and not on the other. */
export interface ReachChange {
  readonly principal: Principal;
  readonly server: string;
  readonly operation: string;
  readonly operationKind: "tool" | "resource" | "prompt";
  readonly scopes: readonly string[];
  readonly sensitivity: Sensitivity;
}

/**
 * A scope that keeps its name while what it means changes: the operations behind it (on servers
 * present on both sides), its description or its sensitivity. The spec's Scope Minimization section
 * lists "silent scope semantic changes without versioning" as a common mistake: holders consented to
 * the old meaning. Version the scope instead (e.g. `crm:customers:read` → `crm:customers:read.v2`).
 */
export interface SemanticChange {
  readonly scope: string;
  readonly changed: readonly ("operations" | "description" | "sensitivity")[];
  readonly operationsAdded: readonly string[];
  readonly operationsRemoved: readonly string[];
  readonly sensitivityBefore?: Sensitivity;
  readonly sensitivityAfter?: Sensitivity;
}

/** Overall risk: the worst escalation's severity (`moderate` = routine), `low` with no escalation, `none` with no change. */
export type RiskLevel = "critical" | "high" | "moderate" | "low" | "none";

export interface PlanDiff {
  readonly base: { readonly label: string; readonly name: string };
  readonly head: { readonly label: string; readonly name: string };
  readonly risk: RiskLevel;
  /** One line, for the top of the PR comment. */
  readonly summary: string;
  readonly counts: Readonly<Record<ChangeCategory, number>> & { readonly newlyReachable: number; readonly noLongerReachable: number; readonly semantic: number };
  /** Sorted by category, kind (CHANGE_KINDS order), subject, then the rest of the row. */
  readonly changes: readonly DiffChange[];
  readonly reach: { readonly added: readonly ReachChange[]; readonly removed: readonly ReachChange[] };
  readonly semanticChanges: readonly SemanticChange[];
}
