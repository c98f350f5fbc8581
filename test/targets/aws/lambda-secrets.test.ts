import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deferredEdge } from "../../../lambda/aws/deferred-edge.js";
import { loadEdgeSecrets, usesSecretsManager, EdgeSecretsError } from "../../../lambda/aws/secrets.js";
import type { Edge } from "../../../lambda/core/edge.js";

/** The Lambda side of the edge's secrets: what the entry reads from Secrets Manager at init. */

const KEY_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-assertion-key-AbCdEf";
const SECRETS_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-secrets-AbCdEf";
const ENV = { MCP_EDGE_ASSERTION_KEY_ARN: KEY_ARN, MCP_EDGE_SECRETS_ARN: SECRETS_ARN };
const JWK = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));

const reader = (values: Record<string, string>) => async (arn: string) => {
  if (!(arn in values)) throw Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
  return values[arn]!;
};

async function failure(p: Promise<unknown>): Promise<EdgeSecretsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeSecretsError);
    return e as EdgeSecretsError;
  }
  throw new Error("expected a failure");
}

describe("loadEdgeSecrets", () => {
  it("hands the core the assertion key as a private KeyObject and the named secrets by name", async () => {
    const s = await loadEdgeSecrets(ENV, reader({ [KEY_ARN]: JWK, [SECRETS_ARN]: '{"OKTA_INTROSPECTION_CLIENT_SECRET":"s3cret"}' }));
    expect(s.assertionKey?.type).toBe("private");
    expect(s.assertionKey?.asymmetricKeyType).toBe("ed25519");
    expect(s.values).toEqual({ OKTA_INTROSPECTION_CLIENT_SECRET: "s3cret" });
  });

  it("reads nothing when no secret ARN is set, so a config-only edge starts without the AWS SDK", async () => {
    expect(usesSecretsManager({})).toBe(false);
    expect(usesSecretsManager({ MCP_EDGE_SECRETS_ARN: SECRETS_ARN })).toBe(true);
    expect(await loadEdgeSecrets({}, () => Promise.reject(new Error("must not be called")))).toEqual({ values: {} });
  });

  it("names the variable and the permission when a secret cannot be read", async () => {
    const e = await failure(loadEdgeSecrets(ENV, reader({ [KEY_ARN]: JWK })));
    expect(e.message).toBe(
      "MCP edge: cannot read the secret named by MCP_EDGE_SECRETS_ARN (ResourceNotFoundException); check that it exists and that the function's role may call secretsmanager:GetSecretValue on it",
    );
  });

  it("names the variable of an ARN that is not a Secrets Manager ARN", async () => {
    const e = await failure(loadEdgeSecrets({ MCP_EDGE_SECRETS_ARN: "edge-secrets" }, reader({})));
    expect(e.message).toMatch(/^MCP edge: MCP_EDGE_SECRETS_ARN is not a Secrets Manager secret ARN/);
  });

  it("refuses a secret of the wrong shape without echoing its value", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ [KEY_ARN]: "not-json s3cret-value", [SECRETS_ARN]: "{}" }, /MCP_EDGE_ASSERTION_KEY_ARN is not valid JSON$/],
      [{ [KEY_ARN]: JSON.stringify({ ...JSON.parse(JWK), d: undefined }), [SECRETS_ARN]: "{}" }, /MCP_EDGE_ASSERTION_KEY_ARN is not a private JWK/],
      [{ [KEY_ARN]: JSON.stringify({ kty: "OKP", crv: "Ed25519", d: "s3cret-value", x: "!!" }), [SECRETS_ARN]: "{}" }, /MCP_EDGE_ASSERTION_KEY_ARN is not a usable private JWK$/],
      [{ [KEY_ARN]: JWK, [SECRETS_ARN]: '["s3cret-value"]' }, /MCP_EDGE_SECRETS_ARN must be a JSON object/],
      [{ [KEY_ARN]: JWK, [SECRETS_ARN]: '{"A":42}' }, /non-string or empty value for A$/],
    ];
    for (const [values, message] of cases) {
      const e = await failure(loadEdgeSecrets(ENV, reader(values)));
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain("s3cret-value");
    }
  });
});

describe("deferredEdge", () => {
  const real = { handleLite: async (x: unknown) => ({ got: x }), configs: ["c"] } as unknown as Edge;

  it("waits for the edge, then calls it directly", async () => {
    let resolve!: (e: Edge) => void;
    const edge = deferredEdge(new Promise<Edge>((r) => (resolve = r)), () => undefined);
    const pending = edge.handleLite("req" as never);
    resolve(real);
    expect(await pending).toEqual({ got: "req" });
    expect(edge.configs).toEqual(["c"]);
  });

  it("fails every request closed when the edge cannot be created, logging the reason once", async () => {
    const logged: string[] = [];
    const edge = deferredEdge(Promise.reject(new Error("MCP edge: cannot read the secret named by MCP_EDGE_SECRETS_ARN (AccessDeniedException)")), (m) => logged.push(m));
    await expect(edge.handleLite("a" as never)).rejects.toThrowError(/AccessDeniedException/);
    await expect(edge.authorize("b" as never)).rejects.toThrowError(/AccessDeniedException/);
    expect(logged).toEqual(["MCP edge: cannot read the secret named by MCP_EDGE_SECRETS_ARN (AccessDeniedException)"]);
  });
});
