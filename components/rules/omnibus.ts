import { OFFLINE_ACCESS } from "../plan/compile.js";
import { verbOf } from "./helpers.js";

/**
 * Names that grant "everything" (MCP 2026-07-28 Security Best Practices, Scope Minimization,
 * "Common Mistakes": "Using wildcard or omnibus scopes (`*`, `all`, `full-access`)").
 */
export const OMNIBUS_NAMES: ReadonlySet<string> = new Set([
  "*",
  "all",
  "admin",
  "administrator",
  "root",
  "sudo",
  "superuser",
  "full_access",
  "full-access",
  "fullaccess",
  "default",
  "basic",
  "everything",
  "any",
]);

/** Verbs that make a `<domain>:<resource>:<verb>` scope an omnibus scope for its resource. */
export const OMNIBUS_VERBS: ReadonlySet<string> = new Set(["*", "all", "any", "full_access", "full-access", "everything"]);

/**
 * Why a scope name is a wildcard or omnibus scope, or undefined when it is not. Shared by the
 * `no-omnibus-scopes` rule and `scope-name-format` (which leaves these names to it).
 */
export function omnibusProblem(scope: string): string | undefined {
  if (scope === OFFLINE_ACCESS) return "is the OIDC refresh-token scope, which MCP servers must not advertise as one of their own";
  if (OMNIBUS_NAMES.has(scope.toLowerCase())) return "grants everything";
  if (scope.includes("*")) return "contains a wildcard";
  if (scope.includes(":") && OMNIBUS_VERBS.has(verbOf(scope).toLowerCase())) return `ends with ':${verbOf(scope)}', which grants every verb`;
  return undefined;
}
