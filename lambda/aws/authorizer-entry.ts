import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonWebKey } from "node:crypto";
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { createEdge } from "../core/edge.js";
import { createRestAuthorizer } from "./authorizer.js";
import { createRestProxy } from "./rest-proxy.js";

/**
 * Lambda entry of authorizer mode (bundled by esbuild into the CommonJS file `index.cjs`, handler `index.handler`).
 * One function answers two event shapes from the same REST API:
 * - REQUEST authorizer events (`type: "REQUEST"`, `methodArn`) → allow/deny policy;
 * - payload 1.0 proxy events of `/.well-known/oauth-protected-resource/{proxy+}` → RFC 9728 metadata.
 *
 * Configuration is read once, at init (a bad config fails the cold start, naming the field):
 * `edge-config.json` next to the bundle (a JSON array of edge configs, or one config), or the file
 * named by `MCP_EDGE_CONFIG_PATH`, or the JSON in `MCP_EDGE_CONFIG`. The upstream identity
 * assertion key is the JWK JSON in `MCP_EDGE_ASSERTION_KEY` (unused in this mode unless set).
 */

function readConfigText(): string {
  const inline = process.env.MCP_EDGE_CONFIG;
  if (inline !== undefined && inline !== "") return inline;
  const path = process.env.MCP_EDGE_CONFIG_PATH || (typeof __dirname === "string" ? join(__dirname, "edge-config.json") : fileURLToPath(new URL("./edge-config.json", import.meta.url)));
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`MCP edge: cannot read the edge config at ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}); ship edge-config.json next to the bundle or set MCP_EDGE_CONFIG_PATH`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Never echo the text: the assertion key is a secret.
    throw new Error(`MCP edge: ${what} is not valid JSON`);
  }
}

const parsed = parseJson(readConfigText(), "the edge config");
const keyText = process.env.MCP_EDGE_ASSERTION_KEY;
const assertionKey = keyText ? (parseJson(keyText, "MCP_EDGE_ASSERTION_KEY") as JsonWebKey) : undefined;
// createEdge validates every config (zod) and throws EdgeConfigError naming the bad field.
const edge = createEdge(parsed as never, assertionKey ? { assertionKey } : {});
const authorize = createRestAuthorizer(edge);
const proxy = createRestProxy(edge);

/** Whether the event is a REST API REQUEST authorizer event. */
export function isAuthorizerEvent(event: unknown): event is APIGatewayRequestAuthorizerEvent {
  return typeof event === "object" && event !== null && (event as { type?: unknown }).type === "REQUEST" && typeof (event as { methodArn?: unknown }).methodArn === "string";
}

/** The Lambda handler for both event shapes. */
export async function handler(event: APIGatewayRequestAuthorizerEvent | APIGatewayProxyEvent): Promise<APIGatewayAuthorizerResult | APIGatewayProxyResult> {
  return isAuthorizerEvent(event) ? authorize(event) : proxy(event as APIGatewayProxyEvent);
}
