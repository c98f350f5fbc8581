import type { McpAuthPlan } from "../plan/schema.js";
import type { Finding, Rule } from "./types.js";
import accessTokenLifetime from "./access-token-lifetime.js";
import canonicalResourceUri from "./canonical-resource-uri.js";
import clientAuthentication from "./client-authentication.js";
import criticalImmediateRevocation from "./critical-immediate-revocation.js";
import directModeTradeOffs from "./direct-mode-trade-offs.js";
import exactRedirectUris from "./exact-redirect-uris.js";
import noImplicitOrPasswordGrant from "./no-implicit-or-password-grant.js";
import noOmnibusScopes from "./no-omnibus-scopes.js";
import noUnusedScopes from "./no-unused-scopes.js";
import noUpwardImplication from "./no-upward-implication.js";
import operationsRequireScopes from "./operations-require-scopes.js";
import perActionConsentDirect from "./per-action-consent-direct.js";
import pkceS256 from "./pkce-s256.js";
import reconsentCadence from "./reconsent-cadence.js";
import refreshTokenPolicy from "./refresh-token-policy.js";
import registrationAllowlists from "./registration-allowlists.js";
import scopeHasSensitivity from "./scope-has-sensitivity.js";
import scopeNameFormat from "./scope-name-format.js";
import scopeSprawl from "./scope-sprawl.js";
import sensitiveScopesNeedGroups from "./sensitive-scopes-need-groups.js";
import sensitiveScopesStepUp from "./sensitive-scopes-step-up.js";
import sensitiveVerbsNotRoutine from "./sensitive-verbs-not-routine.js";
import tierScopeLists from "./tier-scope-lists.js";
import tierSensitivityCap from "./tier-sensitivity-cap.js";

/** Every guardrail rule, sorted by id. Pure functions of the plan; the policy pack reuses them. */
export const rules: readonly Rule[] = [
  accessTokenLifetime,
  canonicalResourceUri,
  clientAuthentication,
  criticalImmediateRevocation,
  directModeTradeOffs,
  exactRedirectUris,
  noImplicitOrPasswordGrant,
  noOmnibusScopes,
  noUnusedScopes,
  noUpwardImplication,
  operationsRequireScopes,
  perActionConsentDirect,
  pkceS256,
  reconsentCadence,
  refreshTokenPolicy,
  registrationAllowlists,
  scopeHasSensitivity,
  scopeNameFormat,
  scopeSprawl,
  sensitiveScopesNeedGroups,
  sensitiveScopesStepUp,
  sensitiveVerbsNotRoutine,
  tierScopeLists,
  tierSensitivityCap,
].sort((a, b) => cmp(a.id, b.id));

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Options for `runRules`. */
export interface RunRulesOptions {
  /** Run only these rule ids (default: every rule). An unknown id is an error. */
  readonly only?: readonly string[];
}

/** Looks a rule up by id. */
export function ruleById(id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

/**
 * Runs the guardrail rules over a compiled plan. Findings are in a stable order: by rule id, then
 * target kind and name, then message, so output is byte-identical for the same plan.
 * @throws Error naming the known ids when `only` names an unknown rule.
 */
export function runRules(plan: McpAuthPlan, opts: RunRulesOptions = {}): Finding[] {
  let selected = rules;
  if (opts.only) {
    const unknown = opts.only.filter((id) => !ruleById(id));
    if (unknown.length > 0) throw new Error(`Unknown rule id${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known rules: ${rules.map((r) => r.id).join(", ")}`);
    const only = new Set(opts.only);
    selected = rules.filter((r) => only.has(r.id));
  }
  const findings = selected.flatMap((r) => r.check(plan));
  return findings.sort(
    (a, b) => cmp(a.ruleId, b.ruleId) || cmp(a.target.kind, b.target.kind) || cmp(a.target.name, b.target.name) || cmp(a.message, b.message),
  );
}

/** Counts findings by severity. */
export function summarizeFindings(findings: readonly Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const f of findings) if (f.severity === "error") errors++;
  return { errors, warnings: findings.length - errors };
}

export type { Finding, FindingTarget, Rule, Severity } from "./types.js";
