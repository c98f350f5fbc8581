// docs/entra.md, the opening example.

// snippet:start
import { compile } from "pulumi-mcp-auth";
import { EntraMcpAuth } from "pulumi-mcp-auth/entra"; // in this repository: components/targets/entra/index.js
import crm from "./mcp-auth.js";

const auth = new EntraMcpAuth("crm", { plan: compile(crm), verifiedDomains: ["example.com"] });
export const edgeConfigs = auth.edgeConfigs; // feed to the edge
export const clientIds = auth.clientIds;     // hand to users
// snippet:end
