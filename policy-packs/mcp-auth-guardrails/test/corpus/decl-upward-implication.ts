import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.scopes["crm:customers:read"].implies = ["crm:customers:export"];
export default { blockedBy: "no-upward-implication", declaration: d } satisfies CorpusCase;
