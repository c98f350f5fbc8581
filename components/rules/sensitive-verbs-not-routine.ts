import { defineRule, scopeTarget, verbOf } from "./helpers.js";

/** Verb words that destroy data, move it out, or act irreversibly. Matched per `_`-separated word of the verb. */
export const SENSITIVE_VERB_WORDS: ReadonlySet<string> = new Set([
  "delete",
  "destroy",
  "erase",
  "purge",
  "wipe",
  "drop",
  "truncate",
  "export",
  "dump",
  "merge",
  "close",
  "transfer",
  "impersonate",
  "bulk",
  "mass",
]);

/** The sensitive word in a scope's verb (`bulk_email` → `bulk`), or undefined. */
export function sensitiveVerbWord(scope: string): string | undefined {
  return verbOf(scope)
    .toLowerCase()
    .split("_")
    .find((w) => SENSITIVE_VERB_WORDS.has(w));
}

export default defineRule({
  id: "sensitive-verbs-not-routine",
  severity: "error",
  fix: "Declare the scope `high` (or `critical`).",
  description: "Scopes whose verb destroys, exports, merges, closes, transfers or acts in bulk (delete, export, merge, purge, bulk_*, close, transfer, …) are high or critical, never routine.",
  reference: "docs/declarations.md#sensitivity (high: delete, export, merge, bulk email, close)",
  *findings(plan) {
    for (const scope of plan.scopes) {
      const word = sensitiveVerbWord(scope.name);
      if (!word || scope.sensitivity !== "routine") continue;
      yield {
        target: scopeTarget(scope.name),
        message: `Scope '${scope.name}' is routine but its verb '${verbOf(scope.name)}' (${word}) is destructive or exfiltrating.`,
        fix: "Declare it `sensitivity: \"high\"` (or \"critical\" if it is irreversible for the whole organisation) so it is step-up only and short-lived.",
      };
    }
  },
});
