import type { JsonWebKey } from "node:crypto";
import { functionUrlHandler, httpApiHandler, type V2Event } from "./adapters/aws.js";
import { createEdge } from "./core/edge.js";

/**
 * Lambda entry of gateway mode (bundled into the CommonJS file `index.cjs`, handler `index.handler`).
 *
 * Configuration is read ONCE at module init (a bad config fails the cold start with the field named):
 * - env `MCP_EDGE_CONFIG`: the edge config JSON (one config or an array), else
 * - the file at env `MCP_EDGE_CONFIG_PATH`, else `edge-config.json` next to the bundle.
 * - env `MCP_EDGE_ASSERTION_KEY`: the private JWK (JSON) signing the upstream identity assertion.
 *   Without it a per-instance ephemeral key is used (warned in the log).
 *
 * `handler` serves Function URL events (streamed when the runtime supports it) and API Gateway
 * HTTP API payload v2 events (both share the v2 event shape); `httpApiHandler` is the buffered one.
 */
function configText(): string {
  const inline = process.env.MCP_EDGE_CONFIG;
  if (inline) return inline;
  // getBuiltinModule: no ESM facade (which would load fs streams) on the cold path; Node >= 20.19.
  const get = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule;
  const { readFileSync } = get("node:fs") as typeof import("node:fs");
  // Next to the bundle: `__dirname` in the CommonJS bundle, `import.meta.url` when loaded as ESM.
  const beside = typeof __dirname === "string" ? `${__dirname}/` : (get("node:url") as typeof import("node:url")).fileURLToPath(new URL(".", import.meta.url));
  const path = process.env.MCP_EDGE_CONFIG_PATH || `${beside}edge-config.json`;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`MCP edge: cannot read the edge config at ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}); ship edge-config.json next to the bundle or set MCP_EDGE_CONFIG_PATH / MCP_EDGE_CONFIG`);
  }
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`MCP edge: ${what} is not valid JSON`); // never echo the text (the key is a secret)
  }
}

const keyText = process.env.MCP_EDGE_ASSERTION_KEY;
// createEdge validates every config with zod and throws EdgeConfigError naming the bad field.
export const edge = createEdge(json(configText(), "the edge config") as never, keyText ? { assertionKey: json(keyText, "MCP_EDGE_ASSERTION_KEY") as JsonWebKey } : {});

/** Function URL (streaming when available) and HTTP API v2 handler. */
export const handler = functionUrlHandler(edge) as (event: V2Event, ...rest: unknown[]) => Promise<unknown>;
/** Buffered payload v2 handler (HTTP API integrations that do not stream). */
export const httpApi = httpApiHandler(edge);
