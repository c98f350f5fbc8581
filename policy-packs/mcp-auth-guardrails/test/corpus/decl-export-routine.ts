import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.scopes["crm:customers:export"].sensitivity = "routine";
export default { blockedBy: "sensitive-verbs-not-routine", declaration: d } satisfies CorpusCase;
