import { stackPolicy } from "../policy.js";
import { refersToEdge, sameTarget } from "./edge.js";

const AUTHORIZER = "aws:apigateway/authorizer:Authorizer";
const RESPONSE = "aws:apigateway/response:Response";
const CHALLENGE_HEADER = "gatewayresponse.header.www-authenticate";

/**
 * When the edge is a REST API Lambda authorizer, API Gateway answers a rejected request itself.
 * Without an `UNAUTHORIZED` gateway response that sets `WWW-Authenticate`, MCP clients get a bare
 * 401 and never find the resource metadata, so they cannot start the OAuth flow.
 * @severity high
 * @link RFC 9728 §5.1 (WWW-Authenticate resource_metadata); MCP Authorization (401 with the challenge)
 */
export const awsApigatewayAuthorizerEdgeChallenge = stackPolicy({
  name: "aws-apigateway-authorizer-edge-challenge",
  description: "A REST API that uses the MCP auth edge as its authorizer must have an UNAUTHORIZED gateway response carrying WWW-Authenticate.",
  enforcementLevel: "mandatory",
  severity: "high",
  validate(resources, _config, report) {
    const responses = resources.filter((r) => r.type === RESPONSE && r.props.responseType === "UNAUTHORIZED");
    for (const authorizer of resources.filter((r) => r.type === AUTHORIZER)) {
      if (!refersToEdge(authorizer, "authorizerUri", resources)) continue;
      const forApi = responses.filter((r) => sameTarget(authorizer, "restApi", r, "restApiId"));
      const challenged = forApi.some((r) => Object.keys((r.props.responseParameters ?? {}) as Record<string, unknown>).some((k) => k.toLowerCase() === CHALLENGE_HEADER));
      if (challenged) continue;
      report(
        forApi.length === 0
          ? `REST API authorizer '${authorizer.name}' uses the MCP auth edge, but its API has no UNAUTHORIZED gateway response, so a rejected client gets no WWW-Authenticate challenge; add an aws.apigateway.Response with responseType "UNAUTHORIZED" and 'gatewayresponse.header.WWW-Authenticate' in responseParameters.`
          : `REST API authorizer '${authorizer.name}' uses the MCP auth edge, but its API's UNAUTHORIZED gateway response sets no WWW-Authenticate header; add 'gatewayresponse.header.WWW-Authenticate' to its responseParameters.`,
        authorizer.urn,
      );
    }
  },
});
