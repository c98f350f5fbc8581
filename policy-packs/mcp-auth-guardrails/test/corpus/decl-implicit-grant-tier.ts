import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.tiers.verified.grantTypes = ["authorization_code", "implicit"];
export default { blockedBy: "no-implicit-or-password-grant", declaration: d } satisfies CorpusCase;
