import { compile } from "../../../../components/plan/compile.js";
import { crmDeclaration, type CorpusCase } from "./_case.js";

// A plan.json edited by hand: the DCR tier's access on the CRM server gains the export scope.
const plan = compile(crmDeclaration());
const dcr = plan.servers.find((s) => s.name === "crm")!.access.find((a) => a.tier === "dcr")!;
dcr.scopes = [...dcr.scopes, "crm:customers:export"].sort();
export default { blockedBy: "plan-derived-fields-consistent", resources: [{ type: "pulumi-mcp-auth:okta:McpAuth", name: "crm", props: { plan } }] } satisfies CorpusCase;
