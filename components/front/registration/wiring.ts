import type { ClientMetadata } from "oidc-provider";
import { errors } from "oidc-provider";
import type { PlanTier } from "../../plan/schema.js";
import { dcrTierProblem } from "./dcr.js";

/**
 * The seams through which oidc-provider reaches the front's one registration implementation:
 * the Client model's adapter resolves URL client IDs with the CIMD resolver (registration/cimd.ts),
 * and oidc-provider's client metadata validator re-checks what it is about to store for RFC 7591
 * registration against the DCR tier's rules (registration/dcr.ts; the DCR guard in
 * registration/endpoint.ts has already refused everything else).
 */

export type { CimdResolver } from "./cimd.js";

/** The DCR tier's rules on metadata oidc-provider is about to store. @throws RFC 7591 §3.2.2 errors. */
export function dcrMetadataProblem(dcr: PlanTier, metadata: ClientMetadata): void {
  const problem = dcrTierProblem(dcr, metadata);
  if (!problem) return;
  const err = problem.error === "invalid_redirect_uri" ? new errors.InvalidRedirectUri() : new errors.InvalidClientMetadata(problem.description);
  err.error_description = problem.description;
  throw err;
}
