import type * as auth0 from "@pulumi/auth0";
import { redirectUriProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * Callback URLs are redirect URIs: exact, https or loopback http. Auth0 accepts `http://` on any
 * host and `https://*.example.com` wildcard subdomains, which send authorization codes to hosts
 * nobody reviewed.
 * @severity high
 * @link MCP 2025-11-25 Authorization ("All redirect URIs MUST be either localhost or use HTTPS"); RFC 9700 §4.1.3 (exact matching)
 */
export const auth0ClientExactCallbacks = resourcePolicy<auth0.ClientArgs>({
  name: "auth0-client-exact-callbacks",
  description: "Auth0 clients must register exact callback URLs: https, or http on a loopback host, with no wildcard (subdomain or path).",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "auth0:index/client:Client",
  validate(props, _config, report) {
    for (const uri of (props.callbacks ?? []) as string[]) {
      const problem = redirectUriProblem(uri);
      if (problem) report(`Auth0 client '${props.name}' callback '${uri}' ${problem}; register exact https URLs, or loopback http for native clients.`);
    }
  },
});
