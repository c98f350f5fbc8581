import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { FETCH_API } from "../core/edge-authorize.js";
import { entryInputs } from "../entry-config.js";
import { edgeFromEnvironment } from "./edge-from-env.js";
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
 * named by `MCP_EDGE_CONFIG_PATH`, or the JSON in `MCP_EDGE_CONFIG`. Secrets (the introspection
 * client secret) are read once from Secrets Manager when `MCP_EDGE_SECRETS_ARN` is set (see
 * `edge-from-env.ts`).
 */

// This entry decides alone (`edge.authorize`) and answers with standard `Response`s (the metadata
// route). It never forwards: API Gateway calls the backend once the authorizer allows.
const noUpstream = () => () => Promise.reject(new Error("authorizer mode forwards nothing"));
const edge = edgeFromEnvironment(entryInputs(), process.env, noUpstream, FETCH_API);
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
