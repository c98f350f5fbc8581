// The declaration file the snippets import as "./mcp-auth.js": the CRM example.
export { default } from "../../../stacks/crm/mcp-auth.js";
