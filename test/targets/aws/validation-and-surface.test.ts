import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../../components/plan/compile.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { installMocks, promiseOf, type MockHarness } from "../../support/pulumi-mocks.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";

/**
 * What docs/aws.md promises about McpEdge's and McpAuthFront's arguments and the audit surface's
 * Function URL: every plain argument (the audit archive's and the audit surface's included) is
 * validated before anything is registered, the component itself included, and reported at once;
 * a public Function URL carries both resource-policy statements.
 */

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");
const plan = compile(crm);

beforeAll(async () => {
  mocks = await installMocks({ state: awsState });
  aws = await import("../../../components/targets/aws/index.js");
});

const servers = [{ name: "crm", edgeConfig: crmConfig("crm") }];
const surface = { issuer: "https://acme.okta.com", clientId: "0oa-audit", clientSecret: pulumi.secret("client-secret-value"), adminGroup: "crm-admins", bundleFile: fakeBundle() };

/** The error a constructor throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the constructor to throw");
}

/** Resources registered under a name prefix once registrations have stopped. */
async function registered(prefix: string) {
  await mocks.settled();
  return mocks.resources.filter((r) => r.name.startsWith(prefix));
}

describe("McpEdge auditSurface Function URL", () => {
  it("gives the audit surface's public Function URL both resource-policy statements, so the Lambda front end does not answer every request 403", async () => {
    const edge = new aws.McpEdge("vs1", { servers, bundleFile: fakeBundle(), auditSurface: surface });
    await promiseOf(edge.auditSurfaceUrl);
    const permissions = (await registered("vs1-audit-surface")).filter((r) => r.type === "aws:lambda/permission:Permission").map((r) => r.inputs);
    expect(permissions).toHaveLength(2);
    expect(permissions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" }),
        expect.objectContaining({ action: "lambda:InvokeFunction", principal: "*", invokedViaFunctionUrl: true }),
      ]),
    );
  });
});

describe("McpEdge argument validation", () => {
  it("reports bad audit archive options with every other problem in one McpEdgeArgsError, before registering anything", async () => {
    const e = thrown(() => new aws.McpEdge("vs2", { servers, bundleFile: fakeBundle(), memoryMb: 64, auditArchive: { retentionDays: 0, checkpointEvery: 0 } }));
    expect(e).toBeInstanceOf(aws.McpEdgeArgsError);
    const paths = (e as InstanceType<typeof aws.McpEdgeArgsError>).issues.map((i) => i.path).sort();
    expect(paths).toEqual(["auditArchive.checkpointEvery", "auditArchive.retentionDays", "memoryMb"]);
    expect(await registered("vs2")).toEqual([]);
  });

  it("refuses an audit HMAC key shorter than 32 bytes at deployment instead of failing every cold start, without echoing it", async () => {
    const short = "k".repeat(31);
    const e = thrown(() => new aws.McpEdge("vs3", { servers, bundleFile: fakeBundle(), auditArchive: { hmacKey: short } }));
    expect(e).toBeInstanceOf(aws.McpEdgeArgsError);
    expect(e.message).toMatch(/auditArchive\.hmacKey: needs at least 32 bytes/);
    expect(e.message).not.toContain(short);
    expect(await registered("vs3")).toEqual([]);
    // A key known only as an Output is checked when it resolves, by the same rule.
    const { checkAuditHmacKey } = await import("../../../components/targets/aws/args.js");
    expect(() => checkAuditHmacKey(short)).toThrow(/auditArchive\.hmacKey: needs at least 32 bytes/);
    expect(checkAuditHmacKey("k".repeat(32))).toBe("k".repeat(32));
  });

  it("reports a non-https audit surface issuer as an McpEdgeArgsError naming the field, with the other problems, before registering anything", async () => {
    const e = thrown(() => new aws.McpEdge("vs4", { servers, bundleFile: fakeBundle(), timeoutSeconds: 0, auditSurface: { ...surface, issuer: "http://acme.okta.com" } }));
    expect(e).toBeInstanceOf(aws.McpEdgeArgsError);
    expect((e as InstanceType<typeof aws.McpEdgeArgsError>).issues).toEqual(
      expect.arrayContaining([
        { path: "auditSurface.issuer", message: "must use https" },
        expect.objectContaining({ path: "timeoutSeconds" }),
      ]),
    );
    expect(await registered("vs4")).toEqual([]);
  });
});

describe("McpAuthFront argument validation", () => {
  const base = { plan, upstream: { issuer: "https://acme.okta.com", clientId: "0oa-front" }, signingKey: pulumi.secret("{}"), bundleFile: fakeBundle() };

  it("refuses bad arguments before registering anything, the component itself included", async () => {
    const e = thrown(() => new aws.McpAuthFront("vs5", { ...base, memoryMb: 64 }));
    expect(e).toBeInstanceOf(aws.McpAuthFrontArgsError);
    expect(await registered("vs5")).toEqual([]);
  });

  it("refuses a custom-domain certificate outside us-east-1, which CloudFront cannot use, before registering anything", async () => {
    const e = thrown(
      () => new aws.McpAuthFront("vs6", { ...base, customDomain: { domainName: "auth.example.com", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc" } }),
    );
    expect(e).toBeInstanceOf(aws.McpAuthFrontArgsError);
    expect(e.message).toMatch(/customDomain\.certificateArn: CloudFront only uses ACM certificates from us-east-1, and this one is in eu-west-1/);
    expect(await registered("vs6")).toEqual([]);
  });
});
