// docs/okta.md, "With the authorization front".
import type { McpAuthPlan } from "pulumi-mcp-auth";
import { OktaMcpAuth } from "pulumi-mcp-auth/okta";

declare const plan: McpAuthPlan;

// snippet:start
const auth = new OktaMcpAuth("crm", { plan, front: { redirectUri: "https://auth.example.com/federation/callback" } });
export const frontUpstream = auth.frontUpstream; // { issuer, clientId, clientSecret (secret), groupsClaim, groups }
// snippet:end
