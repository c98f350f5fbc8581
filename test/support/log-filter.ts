/**
 * A CloudWatch Logs filter pattern evaluated against one log event, for the forms the toolkit's
 * metric filters use (components/targets/aws/front-resources.ts FRONT_LOG_EVENTS):
 * - terms: `"sign_in_failed"`, `ERROR "two words"`: every term must occur in the event (AND;
 *   case-sensitive; a quoted term is matched exactly, characters and all); `-term` excludes;
 * - JSON: `{ $.event = "registration" }`, `{ $.a.b != "x" }`, with `&&`: the event must be JSON and
 *   each selector compare as stated (`*` in a quoted value matches any run of characters).
 * Anything else throws, so a pattern this evaluator does not understand never passes silently.
 */
export function filterMatches(pattern: string, event: string): boolean {
  const p = pattern.trim();
  if (p === "") return true;
  if (p.startsWith("{")) return jsonMatches(p, event);
  const terms = [...p.matchAll(/(-?)(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_]+))|(\S+)/g)];
  return terms.every((m) => {
    if (m[4] !== undefined) throw new Error(`filterMatches: unsupported term syntax '${m[4]}' in ${pattern}`);
    const term = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
    const found = event.includes(term);
    return m[1] === "-" ? !found : found;
  });
}

function jsonMatches(pattern: string, event: string): boolean {
  const body = /^\{(.*)\}$/s.exec(pattern)?.[1];
  if (body === undefined) throw new Error(`filterMatches: unbalanced JSON pattern ${pattern}`);
  let doc: unknown;
  try {
    doc = JSON.parse(event);
  } catch {
    return false;
  }
  return body.split("&&").every((clause) => {
    const m = /^\s*\$((?:\.[A-Za-z0-9_]+)+)\s*(=|!=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/.exec(clause);
    if (!m) throw new Error(`filterMatches: unsupported JSON clause '${clause.trim()}' in ${pattern}`);
    let v: unknown = doc;
    for (const key of m[1]!.slice(1).split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
    const expected = m[3] !== undefined ? m[3] : m[4]!;
    const re = new RegExp(`^${expected.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    const equal = v !== undefined && v !== null && typeof v !== "object" && re.test(String(v));
    return m[2] === "=" ? equal : !equal;
  });
}
