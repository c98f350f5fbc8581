import { describe, expect, it } from "vitest";
import { awsLambdaFunctionEdgeLogRetention } from "../src/aws/lambdaFunctionEdgeLogRetention.js";
import { awsLambdaFunctionEdgeNoDebugLogging } from "../src/aws/lambdaFunctionEdgeNoDebugLogging.js";
import { entraApplicationAccessTokenV2 } from "../src/entra/applicationAccessTokenV2.js";
import { entraApplicationCanonicalIdentifierUris } from "../src/entra/applicationCanonicalIdentifierUris.js";
import { entraApplicationNoImplicitGrant } from "../src/entra/applicationNoImplicitGrant.js";
import { entraApplicationScopesNoOmnibus } from "../src/entra/applicationScopesNoOmnibus.js";
import { violations } from "./harness.js";

const APP = "azuread:index/application:Application";
const app = (over: Record<string, unknown> = {}) => ({
  type: APP,
  name: "crm",
  props: {
    displayName: "CRM MCP",
    identifierUris: ["https://mcp.example.com/crm"],
    api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ value: "crm.customers.read", id: "00000000-0000-5000-8000-000000000001" }] },
    web: { implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false } },
    ...over,
  },
});

const FN = "aws:lambda/function:Function";
const edgeFn = (over: Record<string, unknown> = {}) => ({
  type: FN,
  name: "crm-edge",
  parentType: "pulumi-mcp-auth:aws:McpEdge",
  props: { name: "crm-edge", runtime: "nodejs22.x", loggingConfig: { logFormat: "JSON", logGroup: "/mcp-auth/crm-edge", applicationLogLevel: "INFO" }, ...over },
});
const logGroup = (retentionInDays?: number) => ({ type: "aws:cloudwatch/logGroup:LogGroup", name: "lg", props: { name: "/mcp-auth/crm-edge", ...(retentionInDays === undefined ? {} : { retentionInDays }) } });

describe("Entra resource policies", () => {
  it("pass the happy-path application", async () => {
    for (const p of [entraApplicationAccessTokenV2, entraApplicationCanonicalIdentifierUris, entraApplicationNoImplicitGrant, entraApplicationScopesNoOmnibus]) {
      expect(await violations(p, app())).toEqual([]);
    }
  });

  it("blocks implicit-grant token issuance", async () => {
    expect(await violations(entraApplicationNoImplicitGrant, app({ web: { implicitGrant: { accessTokenIssuanceEnabled: true } } }))).toEqual([
      "Entra application 'CRM MCP' issues access tokens through the implicit grant; set 'web.implicitGrant.accessTokenIssuanceEnabled' to false.",
    ]);
  });

  it("blocks an API that requests v1 tokens", async () => {
    expect(await violations(entraApplicationAccessTokenV2, app({ api: { requestedAccessTokenVersion: 1 } }))).toEqual([
      "Entra application 'CRM MCP' exposes an API but requests v1 access tokens; set 'api.requestedAccessTokenVersion' to 2.",
    ]);
  });

  it("blocks an api:// identifier URI when no canonical https one exists", async () => {
    expect(await violations(entraApplicationCanonicalIdentifierUris, app({ identifierUris: ["api://crm"] }))).toEqual([
      "Entra identifier URI 'api://crm' must use https; use the MCP server's canonical URI (e.g. 'https://mcp.example.com/crm') on a verified domain.",
    ]);
  });

  it("blocks an omnibus permission scope value", async () => {
    expect(await violations(entraApplicationScopesNoOmnibus, app({ api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [{ value: "crm.customers.all" }] } }))).toEqual([
      "Entra permission scope 'crm.customers.all' ends with ':all', which grants every verb; declare one scope per resource and verb.",
    ]);
  });
});

describe("AWS edge policies", () => {
  it("pass an edge Lambda with a 90-day log group at INFO", async () => {
    expect(await violations(awsLambdaFunctionEdgeLogRetention, [edgeFn(), logGroup(90)])).toEqual([]);
    expect(await violations(awsLambdaFunctionEdgeNoDebugLogging, [edgeFn()])).toEqual([]);
  });

  it("blocks an edge log group without retention", async () => {
    expect(await violations(awsLambdaFunctionEdgeLogRetention, [edgeFn(), logGroup()])).toEqual([
      "Log group '/mcp-auth/crm-edge' of edge Lambda 'crm-edge' has no retention set; set 'retentionInDays' to at least 90.",
    ]);
  });

  it("blocks an edge whose log group the stack does not manage", async () => {
    expect(await violations(awsLambdaFunctionEdgeLogRetention, [edgeFn()])).toEqual([
      "Edge Lambda 'crm-edge' logs to '/mcp-auth/crm-edge', which this stack does not manage, so its retention is unbounded; create the log group with 'retentionInDays'.",
    ]);
  });

  it("leaves Lambdas that are not edges alone", async () => {
    expect(await violations(awsLambdaFunctionEdgeLogRetention, [{ ...edgeFn(), parentType: undefined }])).toEqual([]);
  });

  it("blocks DEBUG logging on an edge", async () => {
    expect(await violations(awsLambdaFunctionEdgeNoDebugLogging, [edgeFn({ loggingConfig: { logFormat: "JSON", applicationLogLevel: "DEBUG" } })])).toEqual([
      "Edge Lambda 'crm-edge' logs at DEBUG, which can echo bearer tokens; set 'loggingConfig.applicationLogLevel' to INFO or WARN.",
    ]);
  });
});
