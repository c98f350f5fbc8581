// docs/entra.md, "With the authorization front".
import type { McpAuthPlan } from "pulumi-mcp-auth";
import { EntraMcpAuth } from "pulumi-mcp-auth/entra";

declare const plan: McpAuthPlan;

// snippet:start
const auth = new EntraMcpAuth("crm", { plan, groupObjectIds: { "sales-reps": "3f2b8c1e-6a4d-4e9b-8f17-2c5d9a0e7b61" /* the group's object ID */ }, front: { redirectUri: "https://auth.example.com/federation/callback" } });
export const frontUpstream = auth.frontUpstream; // { issuer, clientId, clientSecret (secret), groupsClaim, groups }
// snippet:end
