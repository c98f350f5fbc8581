import { functionUrlHandler, httpApiHandler, type V2Event } from "./adapters/aws.js";
import { edgeFromEnvironment } from "./aws/edge-from-env.js";
import { nodeForwarder } from "./core/node-forward.js";
import { entryInputs } from "./entry-config.js";

/**
 * Lambda entry of gateway mode (bundled into the CommonJS file `index.cjs`, handler `index.handler`).
 *
 * Configuration is read ONCE at module init (`edge-config.json` next to the bundle, or
 * `MCP_EDGE_CONFIG_PATH` / `MCP_EDGE_CONFIG`); a bad config fails with the field named. The
 * assertion key and the introspection secret are read once from AWS Secrets Manager when
 * `MCP_EDGE_ASSERTION_KEY_ARN` / `MCP_EDGE_SECRETS_ARN` are set, which is how `McpEdge` deploys
 * them (`aws/edge-from-env.ts`, `aws/secrets.ts`). Without an assertion key a per-instance
 * ephemeral key signs the upstream identity assertion (warned in the log).
 *
 * `handler` serves Function URL events (streamed when the runtime supports it) and API Gateway
 * HTTP API payload v2 events (both share the v2 event shape); `httpApiHandler` is the buffered one.
 */
// Audit records are written after the response (the adapters call `edge.afterResponse()`).
export const edge = edgeFromEnvironment(entryInputs({ afterResponse: true }), process.env, nodeForwarder);

/** Function URL (streaming when available) and HTTP API v2 handler. */
export const handler = functionUrlHandler(edge) as (event: V2Event, ...rest: unknown[]) => Promise<unknown>;
/** Buffered payload v2 handler (HTTP API integrations that do not stream). */
export const httpApi = httpApiHandler(edge);
