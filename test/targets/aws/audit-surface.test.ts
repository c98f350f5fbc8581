import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");

beforeAll(async () => {
  mocks = await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
});

const surfaceArgs = (over: Record<string, unknown> = {}) => ({
  issuer: "https://acme.okta.com",
  clientId: "0oa-audit",
  clientSecret: "s3cr3t-client-secret-value",
  adminGroup: "crm-admins",
  bundleFile: fakeBundle(),
  ...over,
});

async function deploy(name: string, over: Record<string, unknown> = {}) {
  const edge = new aws.McpEdge(name, { servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], bundleFile: fakeBundle(), auditSurface: surfaceArgs(over) as never });
  await promiseOf(edge.auditSurfaceUrl);
  await mocks.settled();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-audit-surface`));
  return { edge, mine };
}
const only = (list: RecordedResource[]): RecordedResource => (expect(list).toHaveLength(1), list[0]!);

describe("McpEdge auditSurface", () => {
  it("deploys the surface as its own function behind a Function URL and outputs the callback URL to register", async () => {
    const { edge, mine } = await deploy("as1");
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs.handler).toBe("index.handler");
    expect(Object.keys(fn.inputs.environment.variables)).toEqual(["MCP_AUDIT_SURFACE_SECRET_ARN"]);
    expect(only(mine("aws:lambda/functionUrl:FunctionUrl")).inputs.authorizationType).toBe("NONE");
    const url = await promiseOf(edge.auditSurfaceUrl);
    expect(await promiseOf(edge.auditSurfaceCallbackUrl)).toBe(`${url!.replace(/\/+$/, "")}/callback`);
  });

  it("keeps the client secret out of every plain input: it lives in Secrets Manager as a secret", async () => {
    const { mine } = await deploy("as2");
    for (const r of mocks.resources.filter((x) => x.name.startsWith("as2-"))) {
      if (r.type === "aws:secretsmanager/secretVersion:SecretVersion") continue;
      expect(JSON.stringify(r.inputs), `${r.type} ${r.name}`).not.toContain("s3cr3t-client-secret-value");
    }
    const version = only(mine("aws:secretsmanager/secretVersion:SecretVersion"));
    expect(JSON.stringify(version.inputs)).toContain("s3cr3t-client-secret-value");
  });

  it("may only run Logs Insights queries on the edge's own log group", async () => {
    const { mine } = await deploy("as3");
    const policy = JSON.parse(only(mine("aws:iam/rolePolicy:RolePolicy").filter((r) => r.name.endsWith("-insights"))).inputs.policy as string) as { Statement: Array<{ Action: string[]; Resource: unknown }> };
    const start = policy.Statement.find((s) => s.Action.includes("logs:StartQuery"))!;
    expect(start.Resource).toEqual([expect.stringMatching(/^arn:aws:logs:.*:log-group:.*as3.*:\*$/)]);
    expect(policy.Statement.flatMap((s) => s.Action).sort()).toEqual(["logs:GetQueryResults", "logs:StartQuery", "logs:StopQuery"]);
  });

  it("refuses an http issuer before registering anything", () => {
    expect(() => new aws.McpEdge("as4", { servers: [{ name: "crm", edgeConfig: crmConfig("crm") }], bundleFile: fakeBundle(), auditSurface: surfaceArgs({ issuer: "http://acme.okta.com" }) as never })).toThrow(/auditSurface\.issuer: must use https/);
    expect(mocks.resources.filter((r) => r.name.startsWith("as4"))).toEqual([]);
  });
});
