import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.scopes["crm:customers:all"] = { description: "Everything on customers", sensitivity: "critical" };
d.servers[1].tools.do_anything = { scopes: ["crm:customers:all"] };
export default { blockedBy: "no-omnibus-scopes", declaration: d } satisfies CorpusCase;
