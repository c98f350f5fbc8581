import { compile } from "../../../../components/plan/compile.js";
import { crmDeclaration, type CorpusCase } from "./_case.js";

// compile() refuses a 60-minute high lifetime in a declaration, so only a hand-edited plan carries it.
const plan = compile(crmDeclaration());
plan.sensitivities.find((s) => s.level === "high")!.accessTokenMinutes = 60;
export default { blockedBy: "access-token-lifetime", resources: [{ type: "pulumi-mcp-auth:okta:McpAuth", name: "crm", props: { plan } }] } satisfies CorpusCase;
