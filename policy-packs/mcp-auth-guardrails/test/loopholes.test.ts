import { describe, expect, it } from "vitest";
import { auth0ClientExactCallbacks } from "../src/auth0/clientExactCallbacks.js";
import { auth0ClientPublicRefreshTokenRotation } from "../src/auth0/clientPublicRefreshTokenRotation.js";
import { awsApigatewayAuthorizerEdgeChallenge } from "../src/aws/apigatewayAuthorizerEdgeChallenge.js";
import { awsLambdaFunctionUrlAuthNoneEdgeOnly } from "../src/aws/lambdaFunctionUrlAuthNoneEdgeOnly.js";
import { entraApplicationScopesNotOnlyDefault } from "../src/entra/applicationScopesNotOnlyDefault.js";
import { oktaAuthServerPolicyRuleRefreshTokenLifetime } from "../src/okta/authServerPolicyRuleRefreshTokenLifetime.js";
import { oktaAuthServerScopeSensitiveConsent } from "../src/okta/authServerScopeSensitiveConsent.js";
import { violations, type FakeResource } from "./harness.js";

const oktaScope = (over: Record<string, unknown> = {}): FakeResource => ({
  type: "okta:auth/serverScope:ServerScope",
  name: "s",
  props: { authServerId: "as1", name: "crm:customers:export", consent: "REQUIRED", default: false, ...over },
});
const oktaRule = (over: Record<string, unknown> = {}): FakeResource => ({
  type: "okta:auth/serverPolicyRule:ServerPolicyRule",
  name: "r",
  props: {
    authServerId: "as1",
    policyId: "p1",
    name: "verified-routine",
    priority: 1,
    grantTypeWhitelists: ["authorization_code"],
    scopeWhitelists: ["crm:customers:read", "offline_access"],
    accessTokenLifetimeMinutes: 60,
    refreshTokenLifetimeMinutes: 43200,
    refreshTokenWindowMinutes: 43200,
    ...over,
  },
});
const auth0Client = (over: Record<string, unknown> = {}): FakeResource => ({
  type: "auth0:index/client:Client",
  name: "c",
  props: {
    name: "Claude Code",
    appType: "native",
    callbacks: ["http://127.0.0.1:33418/callback", "https://portal.example.com/oauth/callback"],
    refreshToken: { rotationType: "rotating", expirationType: "expiring", tokenLifetime: 2592000, infiniteTokenLifetime: false, leeway: 0 },
    ...over,
  },
});
const entraApp = (values: string[]): FakeResource => ({
  type: "azuread:index/application:Application",
  name: "a",
  props: { displayName: "CRM", api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: values.map((value, i) => ({ id: `00000000-0000-0000-0000-00000000000${i}`, value, enabled: true })) } },
});

describe("Okta scope consent on sensitive verbs", () => {
  it("passes REQUIRED and FLEXIBLE consent, and routine verbs with any consent", async () => {
    expect(await violations(oktaScopeSensitiveConsent(), oktaScope())).toEqual([]);
    expect(await violations(oktaScopeSensitiveConsent(), oktaScope({ consent: "FLEXIBLE" }))).toEqual([]);
    expect(await violations(oktaScopeSensitiveConsent(), oktaScope({ name: "crm:customers:read", consent: "IMPLICIT" }))).toEqual([]);
  });

  it("blocks IMPLICIT consent on an export scope", async () => {
    expect(await violations(oktaScopeSensitiveConsent(), oktaScope({ consent: "IMPLICIT" }))).toEqual([
      `Okta scope 'crm:customers:export' (verb 'export') has consent 'IMPLICIT', so users are never asked; set 'consent: "REQUIRED"' (or "FLEXIBLE" when an agent tier must request it).`,
    ]);
  });

  it("blocks a delete scope whose consent is omitted (Okta's default is IMPLICIT)", async () => {
    expect(await violations(oktaScopeSensitiveConsent(), oktaScope({ name: "crm:customers:delete", consent: undefined }))).toEqual([
      `Okta scope 'crm:customers:delete' (verb 'delete') has no consent setting (Okta's default is IMPLICIT), so users are never asked; set 'consent: "REQUIRED"' (or "FLEXIBLE" when an agent tier must request it).`,
    ]);
  });
});
const oktaScopeSensitiveConsent = () => oktaAuthServerScopeSensitiveConsent;

describe("Okta rules that issue refresh tokens", () => {
  it("pass with a bounded refresh lifetime, and rules without offline_access need none", async () => {
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, oktaRule())).toEqual([]);
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, oktaRule({ scopeWhitelists: ["crm:customers:read"], refreshTokenLifetimeMinutes: undefined }))).toEqual([]);
  });

  it("block offline_access without a refresh lifetime, or with 0 (unlimited)", async () => {
    const expected = [
      "Okta policy rule 'verified-routine' issues refresh tokens without 'refreshTokenLifetimeMinutes', so they never expire; set it to at most 129600 (90 days).",
    ];
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, oktaRule({ refreshTokenLifetimeMinutes: undefined }))).toEqual(expected);
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, oktaRule({ refreshTokenLifetimeMinutes: 0 }))).toEqual(expected);
    const byGrant = oktaRule({ scopeWhitelists: ["crm:customers:read"], grantTypeWhitelists: ["authorization_code", "refresh_token"], refreshTokenLifetimeMinutes: undefined });
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, byGrant)).toEqual(expected);
  });

  it("block a lifetime above the configured bound", async () => {
    expect(await violations(oktaAuthServerPolicyRuleRefreshTokenLifetime, oktaRule(), { maxRefreshTokenDays: 7 })).toEqual([
      "Okta policy rule 'verified-routine' lets refresh tokens live 43200 minutes; set 'refreshTokenLifetimeMinutes' to at most 10080 (7 days).",
    ]);
  });
});

describe("Auth0 client callbacks", () => {
  it("pass exact https and loopback http callbacks", async () => {
    expect(await violations(auth0ClientExactCallbacks, auth0Client())).toEqual([]);
  });

  it("block an http callback on a public host and a wildcard-subdomain callback", async () => {
    const v = await violations(auth0ClientExactCallbacks, auth0Client({ callbacks: ["http://portal.example.com/callback", "https://*.example.com/callback"] }));
    expect(v).toHaveLength(2);
    expect(v[0]).toMatch(/^Auth0 client 'Claude Code' callback 'http:\/\/portal\.example\.com\/callback' .*not loopback/);
    expect(v[1]).toMatch(/^Auth0 client 'Claude Code' callback 'https:\/\/\*\.example\.com\/callback' contains a wildcard/);
  });
});

describe("Auth0 public clients' refresh tokens", () => {
  it("pass rotating, expiring refresh tokens, and confidential clients are not judged here", async () => {
    expect(await violations(auth0ClientPublicRefreshTokenRotation, auth0Client())).toEqual([]);
    const lax = { rotationType: "non-rotating", expirationType: "non-expiring" };
    expect(await violations(auth0ClientPublicRefreshTokenRotation, auth0Client({ appType: "regular_web", refreshToken: lax }))).toEqual([]);
  });

  it("block a public client with non-rotating, non-expiring refresh tokens", async () => {
    expect(await violations(auth0ClientPublicRefreshTokenRotation, auth0Client({ appType: "spa", refreshToken: { rotationType: "non-rotating", expirationType: "non-expiring" } }))).toEqual([
      `Auth0 public client 'Claude Code' uses 'non-rotating' refresh tokens, so a stolen one stays usable; set 'refreshToken.rotationType: "rotating"'.`,
      `Auth0 public client 'Claude Code' issues refresh tokens that never expire; set 'refreshToken.expirationType: "expiring"' with a 'tokenLifetime' and 'infiniteTokenLifetime: false'.`,
    ]);
  });
});

describe("Entra APIs exposing only a default scope", () => {
  it("pass per-resource scopes, even next to user_impersonation", async () => {
    expect(await violations(entraApplicationScopesNotOnlyDefault, entraApp(["crm.customers.read", "user_impersonation"]))).toEqual([]);
  });

  it("block an API whose only scope is user_impersonation or access_as_user", async () => {
    expect(await violations(entraApplicationScopesNotOnlyDefault, entraApp(["user_impersonation"]))).toEqual([
      "Entra application 'CRM' exposes only 'user_impersonation', which grants the whole API; declare one scope per resource and verb (e.g. 'crm.customers.read').",
    ]);
    expect(await violations(entraApplicationScopesNotOnlyDefault, entraApp(["access_as_user"]))).toHaveLength(1);
  });
});

const edgeFn: FakeResource = { type: "aws:lambda/function:Function", name: "edge", props: { name: "mcp-edge", tags: { "pulumi-mcp-auth:edge": "crm" } } };
const otherFn: FakeResource = { type: "aws:lambda/function:Function", name: "reports", props: { name: "reports" } };
const url = (functionName: string | undefined, over: Partial<FakeResource> = {}): FakeResource => ({
  type: "aws:lambda/functionUrl:FunctionUrl",
  name: `${functionName ?? "unknown"}-url`,
  props: { functionName, authorizationType: "NONE" },
  ...over,
});

describe("public Function URLs", () => {
  it("pass on the edge, by name, by property dependency or as part of the toolkit's component, and with AWS_IAM anywhere", async () => {
    expect(await violations(awsLambdaFunctionUrlAuthNoneEdgeOnly, [edgeFn, otherFn, url("mcp-edge")])).toEqual([]);
    expect(await violations(awsLambdaFunctionUrlAuthNoneEdgeOnly, [edgeFn, url(undefined, { deps: { functionName: ["edge"] } })])).toEqual([]);
    expect(await violations(awsLambdaFunctionUrlAuthNoneEdgeOnly, [url("x", { parentType: "pulumi-mcp-auth:aws:McpEdge" })])).toEqual([]);
    expect(await violations(awsLambdaFunctionUrlAuthNoneEdgeOnly, [otherFn, { ...url("reports"), props: { functionName: "reports", authorizationType: "AWS_IAM" } }])).toEqual([]);
  });

  it("block authorization NONE on a function that is not the edge", async () => {
    expect(await violations(awsLambdaFunctionUrlAuthNoneEdgeOnly, [edgeFn, otherFn, url("reports")])).toEqual([
      `Function URL 'reports-url' exposes 'reports' to the internet with authorization NONE, but that function is not the MCP auth edge; set 'authorizationType: "AWS_IAM"', or put the function behind the edge (tag the edge Lambda with 'pulumi-mcp-auth:edge' if it is one).`,
    ]);
  });
});

const api: FakeResource = { type: "aws:apigateway/restApi:RestApi", name: "api", props: { name: "crm" } };
const authorizer: FakeResource = {
  type: "aws:apigateway/authorizer:Authorizer",
  name: "edge-authorizer",
  props: { restApi: "api-id", type: "REQUEST", authorizerUri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:mcp-edge/invocations" },
};
const response = (responseParameters: Record<string, string> | undefined, over: Record<string, unknown> = {}): FakeResource => ({
  type: "aws:apigateway/response:Response",
  name: "unauthorized",
  props: { restApiId: "api-id", responseType: "UNAUTHORIZED", statusCode: "401", responseParameters, ...over },
});

describe("REST APIs behind the edge authorizer", () => {
  it("pass with an UNAUTHORIZED response carrying WWW-Authenticate, matched by value or by dependency", async () => {
    const challenge = { "gatewayresponse.header.WWW-Authenticate": "'Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/crm\"'" };
    expect(await violations(awsApigatewayAuthorizerEdgeChallenge, [edgeFn, api, authorizer, response(challenge)])).toEqual([]);
    const unknownIds = [
      edgeFn,
      api,
      { ...authorizer, props: { type: "REQUEST" }, deps: { restApi: ["api"], authorizerUri: ["edge"] } },
      { ...response(challenge, { restApiId: undefined }), deps: { restApiId: ["api"] } },
    ];
    expect(await violations(awsApigatewayAuthorizerEdgeChallenge, unknownIds)).toEqual([]);
  });

  it("ignore authorizers that are not the edge", async () => {
    expect(await violations(awsApigatewayAuthorizerEdgeChallenge, [edgeFn, { ...authorizer, props: { ...authorizer.props, authorizerUri: "arn:aws:lambda:eu-west-1:1:function:other/invocations" } }])).toEqual([]);
  });

  it("block the edge authorizer without an UNAUTHORIZED gateway response, or with one that sets no WWW-Authenticate", async () => {
    const [missing] = await violations(awsApigatewayAuthorizerEdgeChallenge, [edgeFn, api, authorizer, response(undefined, { responseType: "ACCESS_DENIED" })]);
    expect(missing).toMatch(/^REST API authorizer 'edge-authorizer' uses the MCP auth edge, but its API has no UNAUTHORIZED gateway response/);
    const [bare] = await violations(awsApigatewayAuthorizerEdgeChallenge, [edgeFn, api, authorizer, response({ "gatewayresponse.header.Cache-Control": "'no-store'" })]);
    expect(bare).toBe(
      "REST API authorizer 'edge-authorizer' uses the MCP auth edge, but its API's UNAUTHORIZED gateway response sets no WWW-Authenticate header; add 'gatewayresponse.header.WWW-Authenticate' to its responseParameters.",
    );
    expect(await violations(awsApigatewayAuthorizerEdgeChallenge, [edgeFn, authorizer, response({ "gatewayresponse.header.WWW-Authenticate": "'Bearer'" }, { restApiId: "other-api" })])).toHaveLength(1);
  });
});
