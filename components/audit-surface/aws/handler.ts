import type { LambdaFunctionURLEvent } from "aws-lambda";
import { z } from "zod";
import { invokeListener, type FunctionUrlResult } from "../../front/aws/adapter.js";
import { SENSITIVITY_LEVELS, type Sensitivity } from "../../model/sensitivity.js";
import { cloudWatchAuditSource, type CloudWatchSourceOptions } from "../cloudwatch-source.js";
import { createAuditSurface, type AuditSurface } from "../server.js";

/**
 * The audit surface's Lambda home: a Function URL serving the surface over the edge's log group
 * (CloudWatch Logs Insights). The config (no secret) ships in the archive; the OIDC client secret and
 * the cookie key come from one Secrets Manager secret, read once at init.
 */
export const SurfaceLambdaConfigSchema = z.strictObject({
  logGroupNames: z.array(z.string().min(1)).min(1),
  adminGroup: z.string().min(1),
  issuer: z.url(),
  clientId: z.string().min(1),
  groupsClaim: z.string().min(1).optional(),
  tenantClaim: z.string().min(1).optional(),
  /** Declared scopes and their sensitivity (records name scopes; the sensitivity filter needs levels). */
  scopes: z.record(z.string(), z.enum(SENSITIVITY_LEVELS)),
});
export type SurfaceLambdaConfig = z.infer<typeof SurfaceLambdaConfigSchema>;

export const SurfaceSecretsSchema = z.strictObject({
  clientSecret: z.string().min(1),
  /** base64url, ≥ 32 bytes: signs session cookies, the same on every instance. */
  cookieKey: z.string().min(43),
});
export type SurfaceSecrets = z.infer<typeof SurfaceSecretsSchema>;

export interface SurfaceHandlerDeps {
  config: SurfaceLambdaConfig;
  secrets: SurfaceSecrets;
  logs: CloudWatchSourceOptions["client"];
  log?: (line: string) => void;
}

export type SurfaceLambdaHandler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlResult>;

/**
 * One surface per public host: the callback URL registered at the IdP is `https://<Function URL
 * host>/callback`, known from the event (a Function URL's host is fixed for its lifetime).
 */
export function createSurfaceHandler(deps: SurfaceHandlerDeps): SurfaceLambdaHandler {
  const level = new Map(Object.entries(deps.config.scopes)) as Map<string, Sensitivity>;
  const source = cloudWatchAuditSource({
    client: deps.logs,
    logGroupNames: deps.config.logGroupNames,
    sensitivityOf: (s) => level.get(s),
    scopesOf: (l) => [...level].filter(([, v]) => v === l).map(([k]) => k),
  });
  const surfaces = new Map<string, AuditSurface>();
  return async (event) => {
    const host = event.requestContext.domainName;
    let surface = surfaces.get(host);
    if (!surface) {
      surface = createAuditSurface({
        source,
        adminGroup: deps.config.adminGroup,
        cookieKey: Buffer.from(deps.secrets.cookieKey, "base64url"),
        signIn: {
          issuer: deps.config.issuer,
          clientId: deps.config.clientId,
          clientSecret: deps.secrets.clientSecret,
          redirectUri: `https://${host}/callback`,
          ...(deps.config.groupsClaim ? { groupsClaim: deps.config.groupsClaim } : {}),
          ...(deps.config.tenantClaim ? { tenantClaim: deps.config.tenantClaim } : {}),
        },
        ...(deps.log ? { log: deps.log } : {}),
      });
      surfaces.set(host, surface);
    }
    return invokeListener((req, res) => surface.handle(req, res), event, { publicOrigin: `https://${host}` });
  };
}
