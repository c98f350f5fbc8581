// docs/okta.md, "Usage".

// snippet:start
import { compile } from "pulumi-mcp-auth";
import { OktaMcpAuth } from "pulumi-mcp-auth/okta"; // in this repository: components/targets/okta/index.js
import declarations from "./mcp-auth.js";

const auth = new OktaMcpAuth("crm", {
  plan: compile(declarations), // or: declarations
  clientJwksUris: { "agent/nightly-digest": "https://agents.example.com/jwks.json" },
});
export const crmEdgeConfig = auth.servers["crm"]!.edgeConfig; // validated against the edge's schema
// snippet:end
