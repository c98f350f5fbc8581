import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.tokens.accessTokenMinutes.high = 60;
export default { blockedBy: "access-token-lifetime", declaration: d } satisfies CorpusCase;
