// docs/entra.md, "With the authorization front".
import type { McpAuthPlan } from "pulumi-mcp-auth";
import { EntraMcpAuth } from "pulumi-mcp-auth/entra";

declare const plan: McpAuthPlan;

// snippet:start
const auth = new EntraMcpAuth("crm", { plan, groupObjectIds: { "sales-reps": "<object id>" }, front: { redirectUri: "https://auth.example.com/federation/callback" } });
export const frontUpstream = auth.frontUpstream; // { issuer, clientId, clientSecret (secret), groupsClaim, groups }
// snippet:end
