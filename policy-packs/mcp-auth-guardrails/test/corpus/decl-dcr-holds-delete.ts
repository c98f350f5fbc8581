import { crmDeclaration, type CorpusCase } from "./_case.js";
const d = crmDeclaration();
d.tiers.dcr.maxSensitivity = "high";
export default { blockedBy: "tier-sensitivity-cap", declaration: d } satisfies CorpusCase;
