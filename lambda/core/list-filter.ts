import type { EdgeConfig } from "../config.js";
import { headerPairsOf, LiteResponse, StreamResponse, type EdgeResponse } from "./http.js";
import type { Operation, OperationTables } from "./jsonrpc.js";

/**
 * Per-caller list results (`filterLists: true`): the upstream's `tools/list`, `prompts/list`,
 * `resources/list` and `resources/templates/list` results keep only the entries this caller's token
 * can use (`granted`: the scopes the decision granted, implications and the roles gate applied), and are marked private to the caller (MCP 2026-07-28, server/utilities/caching:
 * `cacheScope: "private"` — "the response may be reused only within the same authorization
 * context"). Off by default: clients that cache lists per server then see one caller's view.
 */

interface ListKind {
  /** Result member holding the entries. */
  member: string;
  /** Entry field naming the operation. */
  field: string;
  lookup(ops: OperationTables, name: string): Operation | undefined;
}

export const LIST_METHODS: ReadonlyMap<string, ListKind> = new Map([
  ["tools/list", { member: "tools", field: "name", lookup: (o, n) => o.tools.get(n) }],
  ["prompts/list", { member: "prompts", field: "name", lookup: (o, n) => o.prompts.get(n) }],
  ["resources/list", { member: "resources", field: "uri", lookup: (o, n) => o.resources.get(n) ?? o.templateMatchers.find((m) => m.re.test(n))?.op }],
  ["resources/templates/list", { member: "resourceTemplates", field: "uriTemplate", lookup: (o, n) => o.templates.get(n) }],
]);

/** Largest list response the edge reads to filter (bytes); a larger one is refused (fail closed). */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

/** Keeps the entries whose every scope the caller holds; an undeclared entry only when undeclared operations are allowed. */
export function filterEntries(entries: unknown[], kind: ListKind, ops: OperationTables, granted: ReadonlySet<string>, undeclared: "deny" | "allow"): unknown[] {
  return entries.filter((e) => {
    const name = e && typeof e === "object" ? (e as Record<string, unknown>)[kind.field] : undefined;
    if (typeof name !== "string") return false;
    const op = kind.lookup(ops, name);
    if (!op) return undeclared === "allow";
    return op.scopes.every((s) => granted.has(s));
  });
}

/** Filters one JSON-RPC response object in place; false when it is not a result of this list kind. */
function filterMessage(msg: unknown, kind: ListKind, ops: OperationTables, granted: ReadonlySet<string>, undeclared: "deny" | "allow"): boolean {
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) return false;
  const m = msg as Record<string, unknown>;
  if (m["error"] !== undefined) return true; // an error result has nothing to filter
  const result = m["result"];
  if (!result || typeof result !== "object" || Array.isArray(result)) return false;
  const r = result as Record<string, unknown>;
  const entries = r[kind.member];
  if (!Array.isArray(entries)) return false;
  r[kind.member] = filterEntries(entries, kind, ops, granted, undeclared);
  r["cacheScope"] = "private";
  // MCP 2026-07-28 caching: `ttlMs` is a number ≥ 0; anything else becomes 0 (do not reuse).
  const ttl = r["ttlMs"];
  if (typeof ttl !== "number" || !(ttl >= 0)) r["ttlMs"] = 0;
  return true;
}

async function bodyText(res: EdgeResponse): Promise<string | undefined> {
  if (res instanceof LiteResponse) return res.body ?? "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const body = res instanceof StreamResponse ? res.body : res.body;
  if (!body) return "";
  for await (const c of body as AsyncIterable<Uint8Array>) {
    size += c.byteLength;
    if (size > MAX_LIST_BYTES) {
      if (res instanceof StreamResponse) res.cancel();
      return undefined;
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The upstream's list response, filtered for the caller: JSON bodies and SSE streams (each `data:`
 * event holding a JSON-RPC message) are rewritten; anything that cannot be read as a list result is
 * refused with 502 rather than passed through unfiltered (fail closed).
 */
export async function filterListResponse(res: EdgeResponse, method: string, config: Pick<EdgeConfig, "undeclaredOperations">, ops: OperationTables, granted: ReadonlySet<string>, cors: Record<string, string> = {}): Promise<EdgeResponse> {
  const kind = LIST_METHODS.get(method);
  if (!kind || res.status !== 200) return res;
  const headers = headerPairsOf(res).filter(([k]) => k !== "content-length" && k !== "content-encoding" && k !== "transfer-encoding");
  const type = headers.find(([k]) => k === "content-type")?.[1] ?? "";
  const text = await bodyText(res);
  const undeclared = config.undeclaredOperations ?? "deny";
  const refuse = (): LiteResponse => new LiteResponse(502, { "content-type": "application/json", "cache-control": "no-store", ...cors }, '{"error":"upstream_list_unfilterable"}');
  if (text === undefined) return refuse();
  let out: string;
  try {
    if (/^text\/event-stream/i.test(type)) {
      // SSE (WHATWG HTML §9.2): rewrite the data of events that carry this list's result.
      let found = false;
      out = text
        .split(/\r?\n\r?\n/)
        .map((event) => {
          const lines = event.split(/\r?\n/);
          const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
          if (data.length === 0) return event;
          const msg = JSON.parse(data.join("\n")) as unknown;
          if (!filterMessage(msg, kind, ops, granted, undeclared)) return event;
          found = true;
          return [...lines.filter((l) => !l.startsWith("data:")), `data: ${JSON.stringify(msg)}`].join("\n");
        })
        .join("\n\n");
      if (!found) return refuse();
    } else {
      const msg = JSON.parse(text) as unknown;
      if (!filterMessage(msg, kind, ops, granted, undeclared)) return refuse();
      out = JSON.stringify(msg);
    }
  } catch {
    return refuse();
  }
  return new LiteResponse(200, Object.fromEntries(headers), out);
}
