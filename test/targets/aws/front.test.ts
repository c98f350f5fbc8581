import { exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { compile } from "../../../components/plan/compile.js";
import { edgeConfigFor } from "../../../components/edge-config.js";
import { deriveSecret, parseSigningKey } from "../../../components/front/aws/derive.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { fakeBundle } from "./fixtures.js";

let mocks: MockHarness;
let aws: typeof import("../../../components/targets/aws/index.js");
let signingKeyText: string;
const UPSTREAM_SECRET = "upstream-client-secret-value-7f3a";
const plan = compile(crm);

function state(args: { type: string; name: string; inputs: Record<string, any> }): Record<string, unknown> | undefined {
  const arn = (svc: string, what: string) => `arn:aws:${svc}:eu-west-1:123456789012:${what}`;
  switch (args.type) {
    case "aws:lambda/function:Function":
      return { name: args.name, arn: arn("lambda", `function:${args.name}`) };
    case "aws:lambda/functionUrl:FunctionUrl":
      return { functionUrl: "https://front123.lambda-url.eu-west-1.on.aws/" };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: arn("logs", `log-group:${args.inputs.name}`) };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::123456789012:role/${args.name}`, name: args.name };
    case "aws:dynamodb/table:Table":
      return { name: args.inputs.name ?? `${args.name}-generated`, arn: arn("dynamodb", `table/${args.name}`) };
    case "aws:kms/key:Key":
      return { arn: arn("kms", `key/${args.name}`) };
    case "aws:secretsmanager/secret:Secret":
      return { arn: arn("secretsmanager", `secret:${args.name}`) };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { name: args.name };
    case "aws:cloudfront/distribution:Distribution":
      return { domainName: "d222.cloudfront.net" };
    default:
      return undefined;
  }
}

beforeAll(async () => {
  mocks = await installMocks({ state });
  aws = await import("../../../components/targets/aws/index.js");
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  signingKeyText = JSON.stringify({ ...(await exportJWK(privateKey)), kid: "front-1", alg: "RS256" });
});

async function deploy(name: string, extra: Partial<import("../../../components/targets/aws/index.js").McpAuthFrontArgs> = {}) {
  const front = new aws.McpAuthFront(name, {
    plan,
    upstream: { issuer: "https://acme.okta.com", clientId: "0oa-front", clientSecret: pulumi.secret(UPSTREAM_SECRET), groupsClaim: "groups" },
    signingKey: pulumi.secret(signingKeyText),
    bundleFile: fakeBundle(),
    ...extra,
  });
  await promiseOf(front.tokenFacts);
  await promiseOf(front.alarmNames);
  await mocks.settled();
  const mine = (type: string) => mocks.ofType(type).filter((r) => r.name.startsWith(`${name}-`));
  return { front, mine };
}

function only(list: RecordedResource[]): RecordedResource {
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe("McpAuthFront", () => {
  it("creates the DynamoDB table with TTL, point-in-time recovery, deletion protection and KMS encryption", async () => {
    const { mine } = await deploy("f1");
    const table = only(mine("aws:dynamodb/table:Table"));
    expect(table.inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      serverSideEncryption: { enabled: true, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/f1-key" },
    });
    expect(table.inputs.globalSecondaryIndexes).toEqual([expect.objectContaining({ name: "gsi1", hashKey: "gsi1pk", rangeKey: "gsi1sk", projectionType: "ALL" })]);
    expect(only(mine("aws:kms/key:Key")).inputs).toMatchObject({ enableKeyRotation: true });
  });

  it("deploys an arm64 Node 22 function behind a buffered public Function URL", async () => {
    const { mine, front } = await deploy("f2");
    const fn = only(mine("aws:lambda/function:Function"));
    expect(fn.inputs).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], handler: "index.handler", memorySize: 512, timeout: 15 });
    expect(fn.inputs.tags).toMatchObject({ "pulumi-mcp-auth:front": "f2" });
    expect(only(mine("aws:lambda/functionUrl:FunctionUrl")).inputs).toMatchObject({ authorizationType: "NONE", invokeMode: "BUFFERED" });
    expect(mine("aws:lambda/permission:Permission")).toHaveLength(2);
    expect(await promiseOf(front.issuer)).toBe("https://front123.lambda-url.eu-west-1.on.aws");
    expect(await promiseOf(front.jwksUri)).toBe("https://front123.lambda-url.eu-west-1.on.aws/jwks");
  });

  it("keeps every secret out of plain inputs: the environment names the table and the secret only", async () => {
    const { mine } = await deploy("f3");
    const fn = only(mine("aws:lambda/function:Function"));
    // Pulumi's wire form wraps the (secret-marked) environment in `value`.
    const env = (fn.inputs.environment.value ?? fn.inputs.environment).variables as Record<string, string>;
    expect(env).toEqual({ MCP_FRONT_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:f3-secrets", MCP_FRONT_TABLE: "f3-table-generated" });
    const d = parseSigningKey(signingKeyText).d;
    for (const r of mocks.resources.filter((x) => x.name.startsWith("f3-") && x.type !== "aws:secretsmanager/secretVersion:SecretVersion")) {
      const text = JSON.stringify(r.inputs);
      expect(text, r.name).not.toContain(d);
      expect(text, r.name).not.toContain(UPSTREAM_SECRET);
    }
    const secret = only(mine("aws:secretsmanager/secret:Secret"));
    expect(secret.inputs.kmsKeyId).toBe("arn:aws:kms:eu-west-1:123456789012:key/f3-key");
    const version = only(mine("aws:secretsmanager/secretVersion:SecretVersion"));
    // The secret string travels marked secret (Pulumi's wire signature), encrypted in the state.
    expect(version.inputs.secretString["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(JSON.parse(version.inputs.secretString.value)).toEqual({
      issuer: "https://front123.lambda-url.eu-west-1.on.aws",
      signingKey: JSON.parse(signingKeyText),
      upstream: { issuer: "https://acme.okta.com", clientId: "0oa-front", clientSecret: UPSTREAM_SECRET, groupsClaim: "groups" },
    });
  });

  it("ships the plan in the archive, without any secret", async () => {
    const { mine } = await deploy("f4");
    const fn = only(mine("aws:lambda/function:Function"));
    const archive = fn.inputs.code as pulumi.asset.AssetArchive;
    const assets = await archive.assets;
    expect(Object.keys(assets).sort()).toEqual(["front-config.json", "index.cjs"]);
    const text = (await (assets["front-config.json"] as pulumi.asset.StringAsset).text) as string;
    const config = JSON.parse(text);
    expect(Object.keys(config).sort()).toEqual(["configVersion", "plan"]);
    expect(config.plan.name).toBe(plan.name);
    expect(text).not.toContain(UPSTREAM_SECRET);
  });

  it("ships agents' public keys in the archive and their client secrets in the secret only", async () => {
    const { mine } = await deploy("f9", { clientCredentials: { "nightly-digest": { publicJwk: { kty: "EC", crv: "P-256", x: "xx", y: "yy" } }, "ops-bot": { clientSecret: pulumi.secret("ops-bot-secret-value") } } });
    const fn = only(mine("aws:lambda/function:Function"));
    const assets = await (fn.inputs.code as pulumi.asset.AssetArchive).assets;
    const text = (await (assets["front-config.json"] as pulumi.asset.StringAsset).text) as string;
    expect(JSON.parse(text).clientPublicKeys).toEqual({ "nightly-digest": { kty: "EC", crv: "P-256", x: "xx", y: "yy" } });
    expect(text).not.toContain("ops-bot-secret-value");
    const version = only(mine("aws:secretsmanager/secretVersion:SecretVersion"));
    expect(JSON.parse(version.inputs.secretString.value).clientSecrets).toEqual({ "ops-bot": "ops-bot-secret-value" });
    expect(() => new aws.McpAuthFront("f9b", { plan, upstream: { issuer: "https://x", clientId: "c" }, signingKey: signingKeyText, clientCredentials: { a: { publicJwk: { kty: "EC", d: "secret" } } } })).toThrow(/clientCredentials\.a\.publicJwk: must be the public key/);
  });

  it("grants the function the table, its index, the one secret and the key, nothing more", async () => {
    const { mine } = await deploy("f5");
    const policies = mine("aws:iam/rolePolicy:RolePolicy").map((p) => JSON.parse(p.inputs.policy));
    const data = policies.find((p) => JSON.stringify(p).includes("dynamodb"));
    const resources = data.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources).toEqual([
      "arn:aws:dynamodb:eu-west-1:123456789012:table/f5-table",
      "arn:aws:dynamodb:eu-west-1:123456789012:table/f5-table/index/*",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:f5-secrets",
      "arn:aws:kms:eu-west-1:123456789012:key/f5-key",
    ]);
    expect(JSON.stringify(data)).not.toContain('"*"');
  });

  it("allows the function every DynamoDB operation the front's store calls, the batched reads of a refresh included", async () => {
    const { mine } = await deploy("f5c");
    const data = mine("aws:iam/rolePolicy:RolePolicy")
      .map((p) => JSON.parse(p.inputs.policy) as { Statement: Array<{ Action: string[] }> })
      .find((p) => JSON.stringify(p).includes("dynamodb"))!;
    const allowed = new Set(data.Statement.flatMap((s) => s.Action));
    // Every operation the store's code sends (`client.call("<Operation>", …)`), read from its source.
    const { readdirSync, readFileSync } = await import("node:fs");
    const dir = new URL("../../../components/front/store/", import.meta.url);
    const called = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      for (const m of readFileSync(new URL(f, dir), "utf8").matchAll(/\.call\("([A-Za-z]+)"/g)) called.add(m[1]!);
    }
    expect(called).toContain("BatchGetItem");
    expect([...called].filter((op) => !allowed.has(`dynamodb:${op}`))).toEqual([]);
    expect([...allowed].filter((a) => a.startsWith("dynamodb:") && !called.has(a.slice("dynamodb:".length)))).toEqual([]);
  });

  it("raises alarms on registration bursts and failed sign-ins, from metric filters on its log group", async () => {
    const { mine } = await deploy("f6", { alarms: { actions: ["arn:aws:sns:eu-west-1:123456789012:sec"], registrationBurstThreshold: 12 } });
    const filters = mine("aws:cloudwatch/logMetricFilter:LogMetricFilter");
    expect(filters.map((f) => f.inputs.pattern).sort()).toEqual(['"sign_in_failed"', '{ $.event = "registration" }']);
    expect(filters.every((f) => f.inputs.logGroupName === "/pulumi-mcp-auth/project/stack/f6-front")).toBe(true);
    const alarms = mine("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => [a.name, a.inputs.threshold, a.inputs.period])).toEqual([
      ["f6-alarm-registrations", 12, 300],
      ["f6-alarm-failed-sign-ins", 20, 300],
    ]);
    expect(alarms.every((a) => a.inputs.alarmActions[0] === "arn:aws:sns:eu-west-1:123456789012:sec")).toBe(true);
  });

  it("publishes its metrics under the project and stack, so the dev and prod fronts of one program never add into each other's alarms", async () => {
    const { mine } = await deploy("f6b");
    const namespaces = [
      ...mine("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => f.inputs.metricTransformation.namespace),
      ...mine("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.namespace),
    ];
    expect(namespaces).toHaveLength(4);
    expect(new Set(namespaces)).toEqual(new Set(["PulumiMcpAuth/Front/project/stack"]));
  });

  it("publishes the public key only and hands the edge what it needs to trust the front", async () => {
    const { front } = await deploy("f7");
    const jwks = await promiseOf(front.jwks);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", kid: "front-1", alg: "RS256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    const facts = await promiseOf(front.tokenFacts);
    const edge = edgeConfigFor(plan, "crm-admin", facts);
    expect(edge.issuers).toEqual(["https://front123.lambda-url.eu-west-1.on.aws"]);
    expect(edge.tokenTypes).toEqual(["at+jwt"]);
    expect(edge.introspection).toMatchObject({ endpoint: "https://front123.lambda-url.eu-west-1.on.aws/token/introspection", clientId: "mcp-auth-edge", clientSecretEnv: "MCP_FRONT_EDGE_CLIENT_SECRET" });
    expect(await promiseOf(front.edgeClientSecret)).toBe(deriveSecret(parseSigningKey(signingKeyText), "edge-client"));
  });

  it("uses the custom domain as issuer behind CloudFront", async () => {
    const { front, mine } = await deploy("f8", { customDomain: { domainName: "auth.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" } });
    expect(await promiseOf(front.issuer)).toBe("https://auth.example.com");
    expect(only(mine("aws:cloudfront/distribution:Distribution")).inputs.aliases).toEqual(["auth.example.com"]);
  });

  it("refuses bad arguments before creating anything, naming the field", async () => {
    const before = mocks.resources.length;
    expect(() => new aws.McpAuthFront("Bad_Name", { plan, upstream: { issuer: "https://x", clientId: "c" }, signingKey: "{}", memoryMb: 64 })).toThrow(/name:.*lower-case[\s\S]*memoryMb/);
    // The DCR deny list is checked with the front's own rule at deploy, not at the function's cold start.
    expect(() => new aws.McpAuthFront("f-deny", { plan, upstream: { issuer: "https://x", clientId: "c" }, signingKey: "{}", dcrDenyList: { sourceCidrs: ["203.0.113.0/33"] } })).toThrow(/dcrDenyList\.sourceCidrs\.0: must be an IP address or CIDR block/);
    expect(mocks.resources.length).toBe(before);
  });

  it("refuses a public or malformed signing key with the field named", () => {
    const { d: _d, ...pub } = JSON.parse(signingKeyText);
    expect(() => parseSigningKey(JSON.stringify(pub), "signingKey")).toThrow(/signingKey must be a private key/);
    expect(() => parseSigningKey("not json")).toThrow(/not JSON/);
    expect(() => parseSigningKey(JSON.stringify({ ...JSON.parse(signingKeyText), alg: "PS256" }))).toThrow(/alg RS256/);
  });
});
