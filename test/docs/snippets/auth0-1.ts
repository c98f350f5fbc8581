// docs/auth0.md, "Group restrictions (RBAC)".
import { Auth0McpAuth, type Auth0McpAuthArgs } from "pulumi-mcp-auth/auth0";

declare const args: Auth0McpAuthArgs;

// snippet:start
new Auth0McpAuth("crm", { ...args, groups: { mode: "rbac" } }); // default { mode: "off" }
// snippet:end
