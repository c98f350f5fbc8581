import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { frontUpstreamOutputs, type FrontUpstream, type FrontUpstreamArgs } from "../front-upstream.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { entraIssuer } from "./edge.js";

/** Microsoft Graph's application ID and its delegated OpenID Connect permissions (well-known IDs). */
export const MS_GRAPH = {
  appId: "00000003-0000-0000-c000-000000000000",
  openid: "37f7f235-527c-4136-accd-4a02d197296e",
  profile: "14dad69e-099b-42c9-810b-d002981feec1",
  email: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0",
} as const;

/** The app role every assignment without a declared role uses ("Default Access"). */
export const ENTRA_DEFAULT_ACCESS_ROLE = "00000000-0000-0000-0000-000000000000";

/** The ID-token claim with the user's group object IDs. */
export const ENTRA_FRONT_GROUPS_CLAIM = "groups";

/** What {@link entraFrontUpstream} needs from the component. */
export interface EntraFrontInput {
  readonly plan: McpAuthPlan;
  readonly front: FrontUpstreamArgs;
  readonly tenantId: pulumi.Output<string>;
  readonly displayNamePrefix: string;
  /** Plan group → Entra group object ID (`groupObjectIds`). */
  readonly groupObjectIds: Readonly<Record<string, pulumi.Input<string>>>;
  readonly owners?: readonly string[] | undefined;
}

/**
 * The upstream client of the authorization front on Entra: a single-tenant app registration with the
 * front's callback on the web platform (authorization code; the front sends PKCE), the v2 tenant
 * endpoints as issuer, the OpenID Connect permissions on Microsoft Graph, `groupMembershipClaims:
 * ApplicationGroup` so that ID tokens list only the groups assigned to it, a service principal that
 * requires assignment, one assignment per declared group with an object ID, and a client secret
 * (`azuread.ApplicationPassword`, rotated by replacing the resource).
 */
export function entraFrontUpstream(name: string, input: EntraFrontInput, parent: pulumi.Resource): FrontUpstream {
  const { plan } = input;
  const opts = { parent };
  const id = `${name}-front-upstream`;
  const owners = input.owners ? { owners: [...input.owners] } : {};
  const assigned = plan.groups.filter((g) => input.groupObjectIds[g.name] !== undefined);
  for (const g of plan.groups) {
    if (input.groupObjectIds[g.name] === undefined) {
      pulumi.log.warn(`Entra group '${g.name}' has no object ID (groupObjectIds): its members cannot sign in to the authorization front`, parent);
    }
  }
  const app = new azuread.Application(
    id,
    {
      displayName: `${input.displayNamePrefix}authorization front`,
      signInAudience: "AzureADMyOrg",
      web: { redirectUris: [pulumi.output(input.front.redirectUri)], implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
      fallbackPublicClientEnabled: false,
      // Only groups assigned to this application, as object IDs (no overage for users in many groups).
      groupMembershipClaims: assigned.length > 0 ? ["ApplicationGroup"] : ["None"],
      optionalClaims: { idTokens: [{ name: "email" }] },
      requiredResourceAccesses: [
        {
          resourceAppId: MS_GRAPH.appId,
          resourceAccesses: [MS_GRAPH.openid, MS_GRAPH.profile, MS_GRAPH.email].map((x) => ({ id: x, type: "Scope" })),
        },
      ],
      ...owners,
    },
    opts,
  );
  const sp = new azuread.ServicePrincipal(id, { clientId: app.clientId, appRoleAssignmentRequired: assigned.length > 0, ...owners }, opts);
  for (const g of assigned) {
    new azuread.AppRoleAssignment(`${id}-${g.name}`, { appRoleId: ENTRA_DEFAULT_ACCESS_ROLE, principalObjectId: input.groupObjectIds[g.name]!, resourceObjectId: sp.objectId }, opts);
  }
  const secret = new azuread.ApplicationPassword(`${id}-secret`, { applicationId: app.id, displayName: "pulumi-mcp-auth authorization front" }, opts);
  return frontUpstreamOutputs({
    issuer: input.tenantId.apply(entraIssuer),
    clientId: app.clientId,
    clientSecret: secret.value,
    groupsClaim: ENTRA_FRONT_GROUPS_CLAIM,
    groups: pulumi.all(assigned.map((g) => pulumi.output(input.groupObjectIds[g.name]!))).apply((oids) => Object.fromEntries(oids.map((oid, i) => [oid, assigned[i]!.name]))),
  });
}
