import { ENTRA_MAX_ACCESS_TOKEN_MINUTES, ENTRA_MIN_ACCESS_TOKEN_MINUTES } from "./mapping.js";

/**
 * Token lifetime on Entra. @pulumi/azuread has no token-lifetime resource; the only supported
 * control is a Microsoft Graph `tokenLifetimePolicy` (one per service principal, access-token
 * lifetime 10 minutes – 1 day, Entra ID P1) assigned with
 * `POST /servicePrincipals/{id}/tokenLifetimePolicies/$ref`. The component does not call Graph
 * (no provider resource to verify it against); it outputs the exact request bodies so a platform
 * team can apply them (`az rest`, see docs/entra.md), and the edge enforces the declared maximum
 * token age per sensitivity from `iat` whether or not the policy is applied.
 */

export interface TokenLifetimePolicyRequest {
  /** Minutes asked of Entra (the shortest declared lifetime on the server, floored at 10). */
  readonly accessTokenMinutes: number;
  /** Body of `POST https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies`. */
  readonly createBody: {
    readonly definition: readonly string[];
    readonly displayName: string;
    readonly isOrganizationDefault: false;
  };
}

/** `hh:mm:ss` (or `d.hh:mm:ss` at one day), the TimeSpan form Entra policy definitions use. */
export function timeSpan(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < ENTRA_MIN_ACCESS_TOKEN_MINUTES || minutes > ENTRA_MAX_ACCESS_TOKEN_MINUTES) {
    throw new RangeError(`Entra access-token lifetime must be an integer from ${ENTRA_MIN_ACCESS_TOKEN_MINUTES} to ${ENTRA_MAX_ACCESS_TOKEN_MINUTES} minutes, got ${minutes}`);
  }
  if (minutes === ENTRA_MAX_ACCESS_TOKEN_MINUTES) return "1.00:00:00";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00`;
}

/** The Graph token lifetime policy for one server application. */
export function tokenLifetimePolicy(displayName: string, accessTokenMinutes: number): TokenLifetimePolicyRequest {
  const definition = JSON.stringify({ TokenLifetimePolicy: { Version: 1, AccessTokenLifetime: timeSpan(accessTokenMinutes) } });
  return { accessTokenMinutes, createBody: { definition: [definition], displayName, isOrganizationDefault: false } };
}
