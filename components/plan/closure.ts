import { DeclarationError } from "../model/validate.js";

/**
 * Transitive closure of scope implications. `grants(s)` is `s` plus every scope reachable through
 * `implies` (MCP 2026-07-28: servers MUST honour scope hierarchies, "where a broader scope implies
 * narrower ones"). Cycles are rejected: a cycle makes two scopes equivalent, which is an omnibus
 * scope in disguise.
 * @throws DeclarationError naming every scope on the cycle.
 */
export function implicationClosure(implies: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const cycle = findImplicationCycles(implies)[0];
  if (cycle) {
    throw new DeclarationError([
      {
        path: `scopes[${JSON.stringify(cycle[0])}].implies`,
        message: `implication cycle ${cycle.join(" → ")}; an implication must go from a broader scope to a narrower one`,
      },
    ]);
  }
  // Acyclic: compute in post-order (every implied scope before the scopes implying it), iteratively
  // so that long chains cannot overflow the stack.
  const closure = new Map<string, string[]>();
  for (const root of [...implies.keys()].sort()) {
    if (closure.has(root)) continue;
    const stack: { scope: string; expanded: boolean }[] = [{ scope: root, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (closure.has(top.scope)) {
        stack.pop();
        continue;
      }
      const edges = implies.get(top.scope) ?? [];
      if (!top.expanded) {
        top.expanded = true;
        for (const next of edges) if (!closure.has(next)) stack.push({ scope: next, expanded: false });
        continue;
      }
      const out = new Set<string>([top.scope]);
      for (const next of edges) for (const g of closure.get(next) ?? [next]) out.add(g);
      closure.set(top.scope, [...out].sort());
      stack.pop();
    }
  }
  return closure;
}

/**
 * Every implication cycle, each once, as the list of scopes on it starting from its smallest name
 * and closed (`["a", "b", "a"]`). Iterative DFS (Tarjan-style colouring), so that deep chains
 * cannot overflow the stack; implied names missing from `implies` are ignored.
 */
export function findImplicationCycles(implies: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  const colour = new Map<string, 1 | 2>(); // 1 on the current path, 2 finished
  for (const root of [...implies.keys()].sort()) {
    if (colour.has(root)) continue;
    const path: string[] = [];
    const stack: { scope: string; next: number }[] = [{ scope: root, next: 0 }];
    colour.set(root, 1);
    path.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = implies.get(top.scope) ?? [];
      if (top.next >= edges.length) {
        colour.set(top.scope, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const next = edges[top.next++]!;
      if (!implies.has(next)) continue;
      const c = colour.get(next);
      if (c === 1) {
        const cycle = path.slice(path.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        const key = rotated.join("\u0000");
        if (!cycles.has(key)) cycles.set(key, [...rotated, rotated[0]!]);
      } else if (c === undefined) {
        colour.set(next, 1);
        path.push(next);
        stack.push({ scope: next, next: 0 });
      }
    }
  }
  return [...cycles.values()].sort((a, b) => (a.join() < b.join() ? -1 : 1));
}
