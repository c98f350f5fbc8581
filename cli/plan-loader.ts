import { DEFAULT_DECLARATION_FILE, loadPlan } from "./load.js";
import { DeclarationError, type DeclarationIssue } from "../components/model/validate.js";
import { planDerivationIssues } from "../components/plan/derivation.js";
import type { McpAuthPlan } from "../components/plan/schema.js";

/** A plan, or every reason there is none (invalid declaration, unreadable file). */
export type LoadedPlan = { ok: true; file: string; plan: McpAuthPlan } | { ok: false; file: string; issues: DeclarationIssue[] };

/**
 * Loads and compiles a declaration file (or validates a plan JSON) for a command, turning every
 * failure into issues so that the command can print them all and exit 2. A plan JSON must be exactly
 * what its declared part compiles to: targets and the edge deploy its derived fields, which the rules
 * do not judge, so a hand-edited one is refused by every command (check, plan, report, dev).
 */
export async function loadPlanForCommand(file: string | undefined, cwd: string): Promise<LoadedPlan> {
  const f = file ?? DEFAULT_DECLARATION_FILE;
  try {
    return { ok: true, file: f, plan: checkDerived(f, await loadPlan(f, cwd)) };
  } catch (err) {
    if (err instanceof DeclarationError) return { ok: false, file: f, issues: [...err.issues] };
    return { ok: false, file: f, issues: [{ path: "", message: (err as Error).message }] };
  }
}

/**
 * `plan`, when `file` is a plan JSON whose derived fields are what its declared part compiles to.
 * @throws DeclarationError naming each derived field that disagrees (a hand edit).
 */
export function checkDerived(file: string, plan: McpAuthPlan): McpAuthPlan {
  if (!file.endsWith(".json")) return plan;
  const issues = planDerivationIssues(plan, 20);
  if (issues.length > 0) throw new DeclarationError(issues);
  return plan;
}
