import { DeclarationError } from "../model/validate.js";

/**
 * Transitive closure of scope implications. `grants(s)` is `s` plus every scope reachable through
 * `implies` (MCP 2026-07-28: servers MUST honour scope hierarchies, "where a broader scope implies
 * narrower ones"). Cycles are rejected: a cycle makes two scopes equivalent, which is an omnibus
 * scope in disguise.
 * @throws DeclarationError naming every scope on the cycle.
 */
export function implicationClosure(implies: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const closure = new Map<string, string[]>();
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];

  const visit = (scope: string): readonly string[] => {
    const st = state.get(scope);
    if (st === "done") return closure.get(scope)!;
    if (st === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(scope)), scope];
      throw new DeclarationError([
        {
          path: `scopes[${JSON.stringify(scope)}].implies`,
          message: `implication cycle ${cycle.join(" → ")}; an implication must go from a broader scope to a narrower one`,
        },
      ]);
    }
    state.set(scope, "visiting");
    stack.push(scope);
    const out = new Set<string>([scope]);
    for (const next of implies.get(scope) ?? []) for (const s of visit(next)) out.add(s);
    stack.pop();
    state.set(scope, "done");
    const grants = [...out].sort();
    closure.set(scope, grants);
    return grants;
  };

  for (const scope of [...implies.keys()].sort()) visit(scope);
  return closure;
}
