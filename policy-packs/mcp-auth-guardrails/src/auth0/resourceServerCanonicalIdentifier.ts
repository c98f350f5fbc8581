import type * as auth0 from "@pulumi/auth0";
import { resourceUriProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * The API identifier is the token audience and must equal the MCP server's canonical resource URI
 * (RFC 8707 §2, RFC 9728 §3; MCP "Canonical Server URI").
 * @severity medium
 */
export const auth0ResourceServerCanonicalIdentifier = resourcePolicy<auth0.ResourceServerArgs>({
  name: "auth0-resource-server-canonical-identifier",
  description: "Auth0 resource-server identifiers must be canonical resource URIs: https, a non-empty path, no trailing slash, query or fragment.",
  enforcementLevel: "mandatory",
  severity: "medium",
  resourceType: "auth0:index/resourceServer:ResourceServer",
  validate(props, _config, report) {
    const problem = resourceUriProblem(props.identifier);
    if (problem) report(`Auth0 resource server identifier '${props.identifier}' ${problem}; use the MCP server's canonical URI, e.g. 'https://mcp.example.com/crm'.`);
  },
});
