// docs/auth0.md, "With the authorization front".
import type { McpAuthPlan } from "pulumi-mcp-auth";
import { Auth0McpAuth } from "pulumi-mcp-auth/auth0";

declare const plan: McpAuthPlan;

// snippet:start
const auth = new Auth0McpAuth("crm", { plan, domain: "acme.eu.auth0.com", groups: { mode: "rbac" }, front: { redirectUri: "https://auth.example.com/federation/callback" } });
export const frontUpstream = auth.frontUpstream; // { issuer, clientId, clientSecret (secret), groupsClaim, groups }
// snippet:end
