/**
 * The part of `mime-db` the front's Lambda bundle keeps. koa, `type-is` and `accepts` load the
 * whole database (2,500 types, ~150 KB) and index it at load, a measurable slice of a cold start;
 * the front only ever names a handful of types. What `mime-types` answers depends on an entry
 * only when (a) a short name is looked up (`ctx.type = "html"`, `ctx.accepts("json")`): koa and
 * oidc-provider use `html`, `text`, `json`, `bin`; or (b) the charset of a full type is asked
 * (`ctx.type = "application/json"` gets `; charset=utf-8`): only entries with a `charset` matter,
 * every other full type is answered the same without its entry (text types default to UTF-8).
 * test/targets/aws/front-mime-subset.test.ts checks the answers against the full database.
 */

/** Types kept for their extensions (what the short names the front's code and its libraries use resolve to). */
export const FRONT_MIME_TYPES = ["text/html", "text/plain", "application/json", "application/octet-stream", "application/x-www-form-urlencoded"] as const;

/** Short names the front's code and its libraries (koa, oidc-provider) pass to `mime-types`. */
export const FRONT_MIME_SHORT_NAMES = ["html", "text", "json", "bin", "txt", "urlencoded"] as const;

export function mimeDbSubset(db: Record<string, { charset?: string; extensions?: string[] }>): Record<string, unknown> {
  const keep = new Set<string>(FRONT_MIME_TYPES);
  const out: Record<string, unknown> = {};
  for (const [type, entry] of Object.entries(db)) if (entry.charset || keep.has(type)) out[type] = entry;
  return out;
}
