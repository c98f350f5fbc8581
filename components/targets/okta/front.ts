import * as okta from "@pulumi/okta";
import * as pulumi from "@pulumi/pulumi";
import { exactNamesPattern, frontIssuerOf, frontUpstreamOutputs, type FrontUpstream, type FrontUpstreamArgs } from "../front-upstream.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { OKTA_ACCESS_TOKEN_MINUTES, OKTA_APP_CONSENT, OKTA_APP_GRANT, OKTA_APP_TYPE, OKTA_AUTH_METHOD, OKTA_CLAIM_TYPE, OKTA_EVERYONE, OKTA_RULE_GRANT, type OktaIssuerMode } from "./constants.js";
import { oktaName } from "./layout.js";
import { slug } from "./server.js";

/** The ID-token claim listing the user's Okta groups (only the plan's groups). */
export const OKTA_FRONT_GROUPS_CLAIM = "groups";
/** Scopes the front asks for when it signs a user in (OpenID Connect Core 1.0 §5.4). */
export const OKTA_FRONT_SIGNIN_SCOPES = ["openid", "profile", "email"] as const;

/** What {@link oktaFrontUpstream} needs from the component. */
export interface OktaFrontInput {
  readonly plan: McpAuthPlan;
  readonly front: FrontUpstreamArgs;
  readonly namePrefix: string;
  readonly issuerMode: OktaIssuerMode;
  /** Okta group id by plan group name (the component's lookups). */
  readonly groupIds: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * The upstream client of the authorization front on Okta: a custom authorization server used only
 * for signing users in, whose ID tokens carry a `groups` claim limited to the plan's groups (an
 * identity claim of type GROUPS: the app-level `groupsClaim` is deprecated and skipped when the
 * provider authenticates with OAuth 2.0), an OIDC web app (authorization code, PKCE required,
 * `client_secret_basic`, the front's exact callback) assigned to the plan's groups (or Everyone when
 * the plan declares none), and an access policy admitting only that app.
 */
export function oktaFrontUpstream(name: string, input: OktaFrontInput, parent: pulumi.Resource): FrontUpstream {
  const { plan, front } = input;
  const opts = { parent };
  const id = `${name}-front`;
  const redirectUri = pulumi.output(front.redirectUri);

  const server = new okta.auth.Server(
    `${id}-signin`,
    {
      name: oktaName(`${input.namePrefix} front sign-in`),
      description: `Signs users in to the MCP authorization front of ${plan.name}. Managed by pulumi-mcp-auth.`,
      // Tokens of this server are for the front only.
      audiences: [redirectUri.apply(frontIssuerOf)],
      issuerMode: input.issuerMode,
      status: "ACTIVE",
    },
    opts,
  );

  const groupNames = plan.groups.map((g) => g.idpGroup);
  const claim =
    groupNames.length > 0
      ? new okta.auth.ServerClaim(
          `${id}-groups`,
          {
            authServerId: server.id,
            name: OKTA_FRONT_GROUPS_CLAIM,
            claimType: OKTA_CLAIM_TYPE.identity,
            valueType: "GROUPS",
            groupFilterType: "REGEX",
            value: exactNamesPattern(groupNames),
            alwaysIncludeInToken: true,
            status: "ACTIVE",
          },
          opts,
        )
      : undefined;

  const app = new okta.app.OAuth(
    `${id}-upstream`,
    {
      label: oktaName(`${input.namePrefix} MCP authorization front`, 100),
      type: OKTA_APP_TYPE.web,
      grantTypes: [OKTA_APP_GRANT.authorizationCode],
      responseTypes: ["code"],
      redirectUris: [redirectUri],
      pkceRequired: true,
      tokenEndpointAuthMethod: OKTA_AUTH_METHOD.clientSecretBasic,
      // The front shows its own consent (mandatory, optional, step-up, per action); signing in needs none.
      consentMethod: OKTA_APP_CONSENT.trusted,
      omitSecret: false,
    },
    opts,
  );
  const assigned = plan.groups.length > 0 ? plan.groups.map((g) => [g.name, input.groupIds[g.name]!] as const) : [["everyone", okta.group.getEveryoneGroupOutput({}, opts).id] as const];
  for (const [group, groupId] of assigned) {
    new okta.app.GroupAssignment(`${id}-upstream-${slug(group)}`, { appId: app.id, groupId }, opts);
  }

  const policy = new okta.auth.ServerPolicy(
    `${id}-signin-policy`,
    { authServerId: server.id, name: oktaName(`${input.namePrefix} front`), description: "The MCP authorization front's sign-in client only. Managed by pulumi-mcp-auth.", priority: 1, clientWhitelists: [app.clientId], status: "ACTIVE" },
    opts,
  );
  new okta.auth.ServerPolicyRule(
    `${id}-signin-rule`,
    {
      authServerId: server.id,
      policyId: policy.id,
      name: "front sign-in",
      priority: 1,
      status: "ACTIVE",
      grantTypeWhitelists: [OKTA_RULE_GRANT.authorizationCode],
      scopeWhitelists: [...OKTA_FRONT_SIGNIN_SCOPES],
      groupWhitelists: [OKTA_EVERYONE],
      // The front uses the ID token only; its own tokens carry the plan's lifetimes.
      accessTokenLifetimeMinutes: OKTA_ACCESS_TOKEN_MINUTES.min,
    },
    { parent, dependsOn: claim ? [policy, claim] : [policy] },
  );

  return frontUpstreamOutputs({
    issuer: server.issuer,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    groupsClaim: OKTA_FRONT_GROUPS_CLAIM,
    groups: Object.fromEntries(plan.groups.map((g) => [g.idpGroup, g.name])),
  });
}
