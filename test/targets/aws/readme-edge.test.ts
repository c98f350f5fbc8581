import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { installMocks, promiseOf, type MockHarness, type RecordedResource } from "../../support/pulumi-mocks.js";
import { awsState } from "./fixtures.js";
import { unpackArchive } from "./artifact.js";
import { invokeBundle, startFakeSecretsManager, type FakeSecretsManager } from "./secrets-manager.js";

/**
 * The README's "Deploy the edge on AWS" snippet, run exactly as written under Pulumi mocks with the
 * CRM example on Okta (critical scopes, so the crm-admin config introspects with a client secret).
 * The component builds the real bundle; the test unpacks the archive and starts it in a fresh Node
 * process whose AWS SDK reads the stored secrets from a loopback Secrets Manager.
 */

const README = fileURLToPath(new URL("../../../README.md", import.meta.url));
/** Pulumi's wire marker of a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

let mocks: MockHarness;
let edge: import("../../../components/targets/aws/index.js").McpEdge;
let dir: string;
let sm: FakeSecretsManager | undefined;

function oktaState(args: { type: string; name: string }): Record<string, unknown> | undefined {
  if (args.type === "okta:auth/server:Server") return { issuer: `https://acme.okta.com/oauth2/${args.name}-id` };
  if (args.type === "okta:app/oAuth:OAuth") return { clientId: `${args.name}-client`, clientSecret: `${args.name}-secret` };
  return undefined;
}

/** The first TypeScript block of a README section, as written. */
function readmeBlock(heading: string): string {
  const text = readFileSync(README, "utf8");
  const section = text.slice(text.indexOf(`## ${heading}\n`));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

/** Whether `v` is Pulumi's wire form of a secret. */
const isSecret = (v: unknown): v is { value: unknown } => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;

/** Every string in a resource's inputs that is not inside a secret. */
function plainStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (isSecret(v)) return out;
  else if (Array.isArray(v)) for (const x of v) plainStrings(x, out);
  else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) plainStrings(x, out);
  return out;
}

function secretValue(r: RecordedResource): string {
  const s = r.inputs.secretString;
  expect(isSecret(s)).toBe(true);
  return (s as { value: string }).value;
}

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => awsState(a) ?? oktaState(a),
    calls: { "okta:group/getGroup:getGroup": (inputs) => ({ id: `grp-${inputs.name}`, name: inputs.name }) },
  });
  const { compile } = await import("../../../components/index.js");
  const { OktaMcpAuth } = await import("../../../components/targets/okta/index.js");
  const { McpEdge } = await import("../../../components/targets/aws/index.js");
  const decl = (await import("../../../stacks/crm/mcp-auth.js")).default;
  const auth = new OktaMcpAuth("crm", { plan: compile(decl), clientJwksUris: { "agent/nightly-digest": "https://agents.example.com/nightly-digest/jwks.json" } });
  // The snippet as written; only its import line is replaced by the values above.
  const body = readmeBlock("Deploy the edge on AWS")
    .replace(/^import .*$/gm, "")
    .replace(/^export const /gm, "const ");
  edge = new Function("McpEdge", "auth", "compile", "decl", `${body}\nreturn edge;`)(McpEdge, auth, compile, decl);
  dir = await unpackArchive(edge.archive);
  await promiseOf(edge.alarmNames, 60_000);
  await mocks.settled(100);
}, 120_000);

afterAll(async () => {
  await sm?.close();
});

describe("the README's McpEdge snippet with the CRM example on Okta", () => {
  it("ships both servers' configs, crm-admin introspecting with the Okta client secret it names", async () => {
    const configs = JSON.parse(readFileSync(`${dir}/edge-config.json`, "utf8")) as Array<{ server: string; introspection?: { clientSecretEnv?: string } }>;
    expect(configs.map((c) => c.server)).toEqual(["crm", "crm-admin"]);
    expect(configs[1]!.introspection?.clientSecretEnv).toBe("OKTA_INTROSPECTION_CLIENT_SECRET");
  });

  it("stores the introspection secret and a generated assertion key in Secrets Manager, and the function's environment holds only their ARNs", () => {
    const fn = mocks.ofType("aws:lambda/function:Function");
    expect(fn).toHaveLength(1);
    const env = fn[0]!.inputs.environment.variables as Record<string, string>;
    expect(env).toEqual({
      MCP_EDGE_ASSERTION_KEY_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-edge-assertion-key-AbCdEf",
      MCP_EDGE_SECRETS_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-edge-secrets-AbCdEf",
    });
    const versions = mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(versions.map((v) => v.name).sort()).toEqual(["crm-edge-assertion-key", "crm-edge-secrets"]);
    const named = JSON.parse(secretValue(versions.find((v) => v.name === "crm-edge-secrets")!));
    expect(named).toEqual({ OKTA_INTROSPECTION_CLIENT_SECRET: "crm-edge-introspection-secret" });
    const key = JSON.parse(secretValue(versions.find((v) => v.name === "crm-edge-assertion-key")!));
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(typeof key.d).toBe("string");
  });

  it("lets the role read exactly those two secrets", () => {
    const policy = JSON.parse(mocks.byName("crm-edge-logs", "aws:iam/rolePolicy:RolePolicy").inputs.policy);
    expect(policy.Statement[1]).toEqual({
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-edge-assertion-key-AbCdEf", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-edge-secrets-AbCdEf"],
    });
    expect(policy.Statement).toHaveLength(2);
  });

  it("puts no secret value in any plain resource input", () => {
    const versions = mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    const key = JSON.parse(secretValue(versions.find((v) => v.name === "crm-edge-assertion-key")!)) as { d: string };
    const forbidden = ["crm-edge-introspection-secret", key.d];
    for (const r of mocks.resources) {
      for (const s of plainStrings(r.inputs)) for (const f of forbidden) expect(s.includes(f), `${r.type} ${r.name} holds a secret in plain text`).toBe(false);
    }
  });

  it("starts in Lambda's way: the bundle reads both secrets once and serves both servers, signing with the stored key", async () => {
    const versions = mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    const env = mocks.ofType("aws:lambda/function:Function")[0]!.inputs.environment.variables as Record<string, string>;
    const keyText = secretValue(versions.find((v) => v.name === "crm-edge-assertion-key")!);
    sm = await startFakeSecretsManager({ [env.MCP_EDGE_ASSERTION_KEY_ARN!]: keyText, [env.MCP_EDGE_SECRETS_ARN!]: secretValue(versions.find((v) => v.name === "crm-edge-secrets")!) });
    const awsEnv = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "eu-west-1" };
    const out = await invokeBundle(dir, { ...env, ...awsEnv }, ["/.well-known/oauth-protected-resource/crm", "/.well-known/oauth-protected-resource/crm-admin", "/.well-known/mcp-edge-jwks.json"]);
    expect(out.error).toBeUndefined();
    expect(out.results!.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(out.results![1]!.body).resource).toBe("https://mcp.example.com/crm-admin");
    // The upstream verifies assertions with this key set: the public half of the stored key.
    const jwks = JSON.parse(out.results![2]!.body) as { keys: Array<{ x: string; crv: string }> };
    expect(jwks.keys.map((k) => [k.crv, k.x])).toEqual([["Ed25519", JSON.parse(keyText).x]]);
    expect([...sm.requests].sort()).toEqual([env.MCP_EDGE_ASSERTION_KEY_ARN, env.MCP_EDGE_SECRETS_ARN].sort());
    expect(out.stderr).not.toContain("crm-edge-introspection-secret");
  }, 60_000);

  it("without the stored secrets the same config refuses to serve, naming the missing introspection secret", async () => {
    const out = await invokeBundle(dir, {}, ["/.well-known/oauth-protected-resource/crm"]);
    expect(out.error ?? out.stderr).toMatch(/OKTA_INTROSPECTION_CLIENT_SECRET/);
    expect(out.results).toBeUndefined();
  }, 60_000);

  it("fails closed on every request when a secret cannot be read, naming the variable", async () => {
    const env = mocks.ofType("aws:lambda/function:Function")[0]!.inputs.environment.variables as Record<string, string>;
    const empty = await startFakeSecretsManager({});
    try {
      const out = await invokeBundle(dir, { ...env, AWS_ENDPOINT_URL_SECRETS_MANAGER: empty.url, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "eu-west-1" }, [
        "/.well-known/oauth-protected-resource/crm",
      ]);
      expect(out.results).toBeUndefined();
      expect(out.error).toMatch(/cannot read the secret named by MCP_EDGE_(ASSERTION_KEY|SECRETS)_ARN \(ResourceNotFoundException\)/);
    } finally {
      await empty.close();
    }
  }, 60_000);
});



/** Compile-time check (tsc): every IdP component can be passed as `idp`. */
export function everyIdpComponentFits(
  okta: import("../../../components/targets/okta/index.js").OktaMcpAuth,
  auth0: import("../../../components/targets/auth0/index.js").McpAuthAuth0,
  entra: import("../../../components/targets/entra/index.js").EntraMcpAuth,
): import("../../../components/targets/aws/index.js").McpEdgeIdp[] {
  return [okta, auth0, entra];
}
