import { functionUrlHandler, httpApiHandler, type V2Event } from "./adapters/aws.js";
import { createEdge } from "./core/edge.js";
import { entryInputs } from "./entry-config.js";

/**
 * Lambda entry of gateway mode (bundled into the CommonJS file `index.cjs`, handler `index.handler`).
 *
 * Configuration is read ONCE at module init (`entryInputs`: env `MCP_EDGE_CONFIG`, else the file at
 * `MCP_EDGE_CONFIG_PATH`, else `edge-config.json` next to the bundle); a bad config fails the cold
 * start with the field named. Without `MCP_EDGE_ASSERTION_KEY` a per-instance ephemeral key signs
 * the upstream identity assertion (warned in the log).
 *
 * `handler` serves Function URL events (streamed when the runtime supports it) and API Gateway
 * HTTP API payload v2 events (both share the v2 event shape); `httpApiHandler` is the buffered one.
 */
// Audit records are written after the response (the adapters call `edge.afterResponse()`).
const [configs, options] = entryInputs({ afterResponse: true });
// createEdge validates every config with zod and throws EdgeConfigError naming the bad field.
export const edge = createEdge(configs as never, options);

/** Function URL (streaming when available) and HTTP API v2 handler. */
export const handler = functionUrlHandler(edge) as (event: V2Event, ...rest: unknown[]) => Promise<unknown>;
/** Buffered payload v2 handler (HTTP API integrations that do not stream). */
export const httpApi = httpApiHandler(edge);
