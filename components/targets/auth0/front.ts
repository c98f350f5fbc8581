import * as auth0 from "@pulumi/auth0";
import * as pulumi from "@pulumi/pulumi";
import { frontIssuerOf, frontUpstreamOutputs, type FrontUpstream, type FrontUpstreamArgs } from "../front-upstream.js";
import type { McpAuthPlan } from "../../plan/schema.js";
import { APP_TYPE, AUTH_METHOD } from "./values.js";

/** Auth0 post-login trigger and the runtime its action uses. */
export const AUTH0_POST_LOGIN = { trigger: "post-login", version: "v3", runtime: "node22" } as const;

/**
 * The ID-token claim the front reads roles from: namespaced under the front's own issuer, because
 * Auth0 reserves its own domains for claim namespaces (Auth0 "Create custom claims").
 */
export const auth0FrontRolesClaim = (frontIssuer: string): string => `${frontIssuer}/roles`;

/**
 * The post-login Action's code: for the front's client only, puts the user's Auth0 roles that are
 * declared plan groups (roles are named after each group's `idpGroup`, as `groups: { mode: "rbac" }`
 * creates them) in the roles claim of the ID token. Other clients are left alone.
 */
export function auth0FrontActionCode(clientId: string, claim: string, roles: readonly string[]): string {
  return `// Managed by pulumi-mcp-auth: the MCP authorization front's sign-in.
exports.onExecutePostLogin = async (event, api) => {
  if (event.client.client_id !== ${JSON.stringify(clientId)}) return;
  const declared = new Set(${JSON.stringify([...roles].sort())});
  const roles = ((event.authorization && event.authorization.roles) || []).filter((r) => declared.has(r));
  api.idToken.setCustomClaim(${JSON.stringify(claim)}, roles);
};
`;
}

/** What {@link auth0FrontUpstream} needs from the component. */
export interface Auth0FrontInput {
  readonly plan: McpAuthPlan;
  readonly front: FrontUpstreamArgs;
  /** `https://<domain>/`. */
  readonly issuer: string;
}

/**
 * The upstream client of the authorization front on Auth0: a first-party regular web application
 * (OIDC conformant, authorization code only, the front's exact callback; the front always sends
 * PKCE, which Auth0 honours for any client), its client secret (`client_secret_basic`), and a
 * post-login Action bound to the trigger that adds the user's declared roles to the front's ID tokens.
 */
export function auth0FrontUpstream(name: string, input: Auth0FrontInput, parent: pulumi.Resource): { upstream: FrontUpstream; clientId: pulumi.Output<string> } {
  const { plan, front } = input;
  const id = `${name}-front`;
  const redirectUri = pulumi.output(front.redirectUri);
  const client = new auth0.Client(
    `${id}-upstream`,
    {
      name: `${plan.name} MCP authorization front`,
      description: `Signs users in to the MCP authorization front [pulumi-mcp-auth ${plan.name}]`.slice(0, 140),
      appType: APP_TYPE.regularWeb,
      isFirstParty: true,
      oidcConformant: true,
      grantTypes: ["authorization_code"],
      callbacks: [redirectUri],
      jwtConfiguration: { alg: "RS256" },
      clientMetadata: { "mcp-auth:role": "front-upstream" },
    },
    { parent },
  );
  const credentials = new auth0.ClientCredentials(`${id}-upstream-credentials`, { clientId: client.clientId, authenticationMethod: AUTH_METHOD.clientSecretBasic }, { parent });
  const claim = redirectUri.apply((u) => auth0FrontRolesClaim(frontIssuerOf(u)));
  const roles = plan.groups.map((g) => g.idpGroup);
  const action = new auth0.Action(
    `${id}-roles`,
    {
      name: `${plan.name} MCP front roles`.slice(0, 100),
      code: pulumi.all([client.clientId, claim]).apply(([cid, c]) => auth0FrontActionCode(cid, c, roles)),
      runtime: AUTH0_POST_LOGIN.runtime,
      deploy: true,
      supportedTriggers: { id: AUTH0_POST_LOGIN.trigger, version: AUTH0_POST_LOGIN.version },
    },
    { parent },
  );
  new auth0.TriggerAction(`${id}-roles-binding`, { trigger: AUTH0_POST_LOGIN.trigger, actionId: action.id }, { parent });
  return {
    clientId: client.clientId,
    upstream: frontUpstreamOutputs({
      issuer: input.issuer,
      clientId: client.clientId,
      clientSecret: credentials.clientSecret.apply((secret) => {
        // The provider reads the generated secret back only with `read:client_keys` (or
        // `read:client_credentials`); without it the secret is "" and every sign-in would fail.
        if (!secret) {
          throw new Error(
            "Auth0 returned an empty client secret for the authorization front's client: the Management API client the auth0 provider uses needs the read:client_keys (or read:client_credentials) scope to read it; grant it and run pulumi up again",
          );
        }
        return secret;
      }),
      groupsClaim: claim,
      groups: Object.fromEntries(plan.groups.map((g) => [g.idpGroup, g.name])),
    }),
  };
}
