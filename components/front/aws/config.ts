import { z } from "zod";

/**
 * What the front's Lambda reads at cold start: `front-config.json` in the deployment archive
 * (plain data: the plan, the deny list) and one Secrets Manager secret (the issuer, the signing
 * key, the upstream IdP client). Environment variables name the table and the secret, never a
 * secret value. The issuer and the upstream client are in the secret because they are known only
 * after the function exists (the Function URL; the IdP client registers the front's callback URL),
 * and the secret is written last: no dependency cycle.
 */
export const FRONT_CONFIG_FILE = "front-config.json";
export const FRONT_ENV = { tableName: "MCP_FRONT_TABLE", secretArn: "MCP_FRONT_SECRET_ARN" } as const;

export const FrontLambdaConfigSchema = z.strictObject({
  configVersion: z.literal(1),
  /** The compiled plan (validated again by the front). */
  plan: z.record(z.string(), z.unknown()),
  /** Public JWK per pre-registered `private_key_jwt` client whose plan entry has no `jwksUri`, by client ID. */
  clientPublicKeys: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  dcrDenyList: z
    .strictObject({ softwareIds: z.array(z.string()).optional(), redirectHosts: z.array(z.string()).optional(), sourceCidrs: z.array(z.string()).optional() })
    .optional(),
});
export type FrontLambdaConfig = z.infer<typeof FrontLambdaConfigSchema>;

export const FrontSecretsSchema = z.strictObject({
  /** The front's issuer URL (no trailing slash). Stored here because it is known only once the Function URL exists. */
  issuer: z.url(),
  /** Private signing JWK. */
  signingKey: z.record(z.string(), z.unknown()),
  upstream: z.strictObject({
    issuer: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).optional(),
    groupsClaim: z.string().min(1).optional(),
    tenantClaim: z.string().min(1).optional(),
  }),
  /** Secret per pre-registered `client_secret_*` client, by client ID. */
  clientSecrets: z.record(z.string(), z.string().min(1)).optional(),
});
export type FrontSecrets = z.infer<typeof FrontSecretsSchema>;

export function parseOrExplain<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`${what} is invalid: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data;
}
