import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EdgeConfig } from "../../../lambda/config.js";
import type { McpEdgeRestApiArgs } from "./args.js";
import { metadataUrlFor } from "./urls.js";
import { AUTHORIZER_CHALLENGE_CONTEXT_KEY } from "../../../lambda/aws/authorizer.js";

/**
 * Authorizer mode: the edge as a Lambda REQUEST authorizer on an existing API Gateway REST API,
 * gateway responses that carry the MCP challenge, and the RFC 9728 metadata route served by the
 * edge itself.
 *
 * Why gateway responses: with a Lambda proxy integration, API Gateway renames a backend's
 * `WWW-Authenticate` to `x-amzn-remapped-www-authenticate` (mcp-authorization.md pitfall 16), and
 * an authorizer cannot set headers. What an authorizer can do:
 * - throw `Unauthorized` → the UNAUTHORIZED gateway response (401), with no authorizer context;
 * - return a Deny policy with a `context` map → the ACCESS_DENIED gateway response (403), whose
 *   header mappings may read `context.authorizer.<key>`.
 * So the 401 challenge is fixed at deploy time (resource_metadata + the mandatory scopes), and the
 * 403 challenge is computed per request and passed through the context.
 */

/** RFC 7230 quoted-string escaping (`\` and `"`). */
function quoted(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The static 401 challenge of a server (RFC 6750 §3, RFC 9728 §5.1, MCP "Authorization"): no
 * `error` code, because the same response answers a request without any token (RFC 6750 §3.1:
 * "SHOULD NOT include an error code") and one with a bad token.
 */
export function staticUnauthorizedChallenge(cfg: Pick<EdgeConfig, "resource" | "scopesSupported">): string {
  const parts = [`resource_metadata=${quoted(metadataUrlFor(cfg.resource))}`];
  if (cfg.scopesSupported.length > 0) parts.push(`scope=${quoted(cfg.scopesSupported.join(" "))}`);
  return `Bearer ${parts.join(", ")}`;
}

/**
 * An API Gateway static mapping value: the literal wrapped in single quotes. A single quote inside
 * cannot be escaped there, so it is refused.
 */
export function staticMappingValue(v: string): string {
  if (v.includes("'")) throw new Error(`API Gateway static header values cannot contain a single quote: ${v}`);
  return `'${v}'`;
}

/** The gateway responses' header mappings. @internal Exported for testing. */
export function gatewayResponseParameters(cfg: EdgeConfig, kind: "UNAUTHORIZED" | "ACCESS_DENIED"): Record<string, string> {
  const p: Record<string, string> = {
    "gatewayresponse.header.WWW-Authenticate":
      kind === "UNAUTHORIZED" ? staticMappingValue(staticUnauthorizedChallenge(cfg)) : `context.authorizer.${AUTHORIZER_CHALLENGE_CONTEXT_KEY}`,
    "gatewayresponse.header.Cache-Control": "'no-store'",
    // Browser clients must be able to read the challenge (mcp-authorization.md pitfall 15).
    "gatewayresponse.header.Access-Control-Expose-Headers": "'WWW-Authenticate'",
  };
  if (cfg.allowedOrigins.length > 0) {
    // A gateway response cannot test the Origin against a list; reflecting it is safe here
    // because the body and challenge are public (the same facts as the metadata document).
    p["gatewayresponse.header.Access-Control-Allow-Origin"] = "method.request.header.Origin";
    p["gatewayresponse.header.Vary"] = "'Origin'";
  }
  return p;
}

/** Creates the authorizer, its invoke permission, both gateway responses and the metadata route. */
export function createRestApiAuthorizer(parent: pulumi.Resource, name: string, fn: aws.lambda.Function, api: McpEdgeRestApiArgs, config: pulumi.Output<EdgeConfig>) {
  const opts = { parent };
  const authorizer = new aws.apigateway.Authorizer(
    `${name}-authorizer`,
    {
      restApi: api.id,
      name: `${name}-mcp-edge`,
      type: "REQUEST",
      authorizerUri: fn.invokeArn,
      // A missing Authorization header is answered 401 by API Gateway without invoking the edge.
      identitySource: "method.request.header.Authorization",
      // Never cache: the decision depends on Mcp-Method / Mcp-Name, not only on the token, and a
      // cached Allow would outlive a revocation. (A cache keyed on the token alone would let one
      // allowed tool call authorize every other tool for the TTL.)
      authorizerResultTtlInSeconds: 0,
    },
    opts,
  );
  const authorizerPermission = new aws.lambda.Permission(
    `${name}-authorizer-invoke`,
    { action: "lambda:InvokeFunction", function: fn.name, principal: "apigateway.amazonaws.com", sourceArn: pulumi.interpolate`${api.executionArn}/authorizers/${authorizer.id}` },
    opts,
  );
  const unauthorized = new aws.apigateway.Response(
    `${name}-401`,
    {
      restApiId: api.id,
      responseType: "UNAUTHORIZED",
      statusCode: "401",
      responseParameters: config.apply((c) => gatewayResponseParameters(c, "UNAUTHORIZED")),
      responseTemplates: { "application/json": '{"error":"invalid_token","error_description":"A valid bearer token is required"}' },
    },
    opts,
  );
  const accessDenied = new aws.apigateway.Response(
    `${name}-403`,
    {
      restApiId: api.id,
      responseType: "ACCESS_DENIED",
      statusCode: "403",
      responseParameters: config.apply((c) => gatewayResponseParameters(c, "ACCESS_DENIED")),
      responseTemplates: { "application/json": `{"error":"$context.authorizer.error"}` },
    },
    opts,
  );

  // GET/HEAD/OPTIONS /.well-known/oauth-protected-resource/{proxy+} → the edge (RFC 9728 §3.1).
  const wellKnown = new aws.apigateway.Resource(`${name}-well-known`, { restApi: api.id, parentId: api.rootResourceId, pathPart: ".well-known" }, opts);
  const prm = new aws.apigateway.Resource(`${name}-prm`, { restApi: api.id, parentId: wellKnown.id, pathPart: "oauth-protected-resource" }, opts);
  const prmProxy = new aws.apigateway.Resource(`${name}-prm-proxy`, { restApi: api.id, parentId: prm.id, pathPart: "{proxy+}" }, opts);
  const method = new aws.apigateway.Method(`${name}-prm-any`, { restApi: api.id, resourceId: prmProxy.id, httpMethod: "ANY", authorization: "NONE" }, opts);
  const integration = new aws.apigateway.Integration(
    `${name}-prm-integration`,
    { restApi: api.id, resourceId: prmProxy.id, httpMethod: method.httpMethod, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: fn.invokeArn },
    opts,
  );
  const metadataPermission = new aws.lambda.Permission(
    `${name}-prm-invoke`,
    { action: "lambda:InvokeFunction", function: fn.name, principal: "apigateway.amazonaws.com", sourceArn: pulumi.interpolate`${api.executionArn}/*/*/.well-known/oauth-protected-resource/*` },
    opts,
  );
  /** Changes when anything that needs a stage redeployment changes: pass it to your Deployment's `triggers`. */
  const deploymentTrigger = pulumi
    .all([authorizer.id, unauthorized.id, accessDenied.id, integration.id, method.id, config.apply((c) => JSON.stringify(gatewayResponseParameters(c, "UNAUTHORIZED")))])
    .apply((parts) => parts.join("|"));
  return { authorizer, authorizerPermission, unauthorized, accessDenied, wellKnown, prm, prmProxy, method, integration, metadataPermission, deploymentTrigger };
}
