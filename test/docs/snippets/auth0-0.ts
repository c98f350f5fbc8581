// docs/auth0.md, the opening example.
declare const agentPublicKeyPem: string;

// snippet:start
import { compile } from "pulumi-mcp-auth";
import { Auth0McpAuth } from "pulumi-mcp-auth/auth0"; // in this repo: components/targets/auth0/index.js
import declarations from "./mcp-auth.js";

const auth = new Auth0McpAuth("crm", {
  plan: compile(declarations),
  domain: "acme.eu.auth0.com",          // or your custom domain; host only
  tenant: { manage: true },             // opt-in: tenant-wide settings (see below)
  domainConnection: { name: "mcp-users" }, // optional: a domain-level database connection
  clients: { agent: { "nightly-digest": { publicKeyPem: agentPublicKeyPem } } },
});
export const edgeConfigs = auth.edgeConfigs; // one validated edge config per MCP server
// snippet:end
