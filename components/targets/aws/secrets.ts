import { createHash, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ASSERTION_KEY_ARN_ENV, SECRETS_ARN_ENV } from "../../../lambda/aws/secrets.js";
import type { EdgeConfig } from "../../../lambda/config.js";

/**
 * The edge's secrets in AWS Secrets Manager: the identity assertion's private key and the named
 * secrets its configs refer to (the introspection client secret). The function's environment holds
 * only the two ARNs (`MCP_EDGE_ASSERTION_KEY_ARN`, `MCP_EDGE_SECRETS_ARN`); the Lambda entry reads
 * the values once at init (lambda/aws/secrets.ts), and the role may read exactly these secrets.
 * Values enter Pulumi only as secrets (encrypted in the state, never in a plain input).
 */

export { ASSERTION_KEY_ARN_ENV, SECRETS_ARN_ENV };

/** Key types McpEdge can generate for the identity assertion. */
export const ASSERTION_KEY_TYPES = ["Ed25519", "P-256"] as const;
export type AssertionKeyType = (typeof ASSERTION_KEY_TYPES)[number];

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public OKP or EC key: a `kid` every instance agrees on. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === "OKP" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/** A fresh private JWK (JSON) for the identity assertion, with its thumbprint as `kid`. */
export function generateAssertionJwk(type: AssertionKeyType): string {
  const { privateKey } = type === "Ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" });
  return JSON.stringify({ ...jwk, kid: jwkThumbprint(jwk), alg: type === "Ed25519" ? "EdDSA" : "ES256", use: "sig" });
}

/** Checks a given assertion key without echoing it. @throws Error naming `assertionKey` */
export function checkAssertionJwk(text: string): string {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new Error("assertionKey: not valid JSON; give the private JWK as JSON text (a Pulumi secret)");
  }
  const j = jwk as { kty?: unknown; d?: unknown };
  if (typeof j !== "object" || j === null || typeof j.kty !== "string" || typeof j.d !== "string") throw new Error('assertionKey: not a private JWK (needs "kty" and "d")');
  return text;
}

/**
 * The named-secrets document: every `introspection.clientSecretEnv` the configs name, each from
 * `given` or else from the IdP component's introspection client secret, plus every other given name.
 * @throws Error naming the server, the secret name and the two ways to provide it.
 */
export function namedSecretsDocument(configs: readonly EdgeConfig[], given: Readonly<Record<string, string | undefined>>, idpSecret: string | undefined, idpGiven: boolean): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  for (const c of configs) {
    const env = c.introspection?.clientSecretEnv;
    if (!env || out[env] !== undefined) continue;
    if (idpSecret) {
      out[env] = idpSecret;
      continue;
    }
    const why = idpGiven ? "the idp component returned no introspection client secret (did you give it your own introspection client?)" : "no idp was given";
    throw new Error(
      `servers[${c.server}]: its edge config introspects tokens with a client secret named ${env}, but ${why}; pass idp: <the IdP component> or secrets: { ${env}: <a Pulumi secret> }`,
    );
  }
  return JSON.stringify(out);
}

/** Inputs of {@link createEdgeSecrets}. */
export interface EdgeSecretsInputs {
  readonly name: string;
  /** The assertion key: given (a Pulumi secret), generated once, or none (authorizer mode). */
  readonly assertionKey: { readonly given: pulumi.Input<string> } | { readonly generate: AssertionKeyType } | undefined;
  /** The named-secrets document (a secret JSON text), or undefined when nothing can provide one. */
  readonly namedSecrets: pulumi.Output<string> | undefined;
  readonly kmsKeyArn?: pulumi.Input<string> | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** What the function needs: its environment (ARNs only), the ARNs its role may read, and what it must wait for. */
export interface EdgeSecretsResult {
  readonly environment: Record<string, pulumi.Output<string>>;
  readonly secretArns: pulumi.Output<string>[];
  readonly versions: aws.secretsmanager.SecretVersion[];
}

/** Creates the secrets and their versions as children of `parent`. */
export function createEdgeSecrets(parent: pulumi.Resource, i: EdgeSecretsInputs): EdgeSecretsResult {
  const environment: Record<string, pulumi.Output<string>> = {};
  const secretArns: pulumi.Output<string>[] = [];
  const versions: aws.secretsmanager.SecretVersion[] = [];
  const secret = (suffix: string, description: string, value: pulumi.Input<string>, opts: pulumi.CustomResourceOptions = {}) => {
    const s = new aws.secretsmanager.Secret(
      `${i.name}-${suffix}`,
      { description, ...(i.kmsKeyArn ? { kmsKeyId: i.kmsKeyArn } : {}), tags: i.tags ? { ...i.tags } : undefined },
      { parent },
    );
    versions.push(new aws.secretsmanager.SecretVersion(`${i.name}-${suffix}`, { secretId: s.id, secretString: pulumi.secret(value) }, { parent, ...opts }));
    secretArns.push(s.arn);
    return s;
  };
  if (i.assertionKey) {
    const generated = "generate" in i.assertionKey;
    const value = "given" in i.assertionKey ? pulumi.output(i.assertionKey.given).apply(checkAssertionJwk) : generateAssertionJwk(i.assertionKey.generate);
    // A generated key is written once: later runs generate a different one in memory, which
    // ignoreChanges keeps out of the secret. Rotate with `pulumi up --replace <this version's URN>`.
    const s = secret("assertion-key", `Private key signing the identity assertion of the MCP auth edge ${i.name}`, value, generated ? { ignoreChanges: ["secretString"] } : {});
    environment[ASSERTION_KEY_ARN_ENV] = s.arn;
  }
  if (i.namedSecrets) {
    const s = secret("secrets", `Named secrets of the MCP auth edge ${i.name} (introspection client secret)`, i.namedSecrets);
    environment[SECRETS_ARN_ENV] = s.arn;
  }
  return { environment, secretArns, versions };
}
