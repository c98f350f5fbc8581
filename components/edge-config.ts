import { EDGE_CONFIG_VERSION, parseEdgeConfig, type EdgeConfig } from "../lambda/config.js";
import type { McpAuthPlan, PlanServer } from "./plan/schema.js";

/** What an IdP target knows about its tokens, merged with the plan into an edge config. */
export interface IdpTokenFacts {
  /** The issuer string, byte-exact (Auth0's ends with `/`). */
  issuer: string;
  jwksUri: string;
  /** Extra accepted `iss` values (rarely needed). */
  extraIssuers?: string[];
  /** Accepted `aud` values besides the resource URI (e.g. Entra v2's application client-ID GUID). */
  extraAudiences?: string[];
  /** Token scope value → declared scope name (e.g. Entra short `scp` values). */
  scopeAliases?: Record<string, string>;
  /** Accepted `typ` values when the IdP issues RFC 9068 tokens. */
  tokenTypes?: string[];
  /** Default RS256 and ES256. */
  algorithms?: EdgeConfig["algorithms"];
  jwks?: { keys: Array<{ kty: string; [k: string]: unknown }> };
  /** `opaqueTokens`: the issuer issues non-JWT access tokens (only then are they introspected). */
  introspection?: { endpoint: string; clientId: string; clientSecretEnv?: string; cacheSeconds?: number; opaqueTokens?: boolean };
  /** The authorization front's revocation list (front mode); `cacheSeconds` default 10. */
  revocationList?: { endpoint: string; clientId: string; clientSecretEnv: string; cacheSeconds?: number };
  /** Default 30 seconds. */
  clockToleranceSeconds?: number;
  /** Overrides the plan's upstream. */
  upstream?: string;
}

/** Finds a server in the plan by name. @throws Error naming the known servers. */
export function planServer(plan: McpAuthPlan, name: string): PlanServer {
  const s = plan.servers.find((x) => x.name === name);
  if (!s) throw new Error(`No MCP server named '${name}' in plan '${plan.name}'; known: ${plan.servers.map((x) => x.name).join(", ")}`);
  return s;
}

/**
 * The edge config for one MCP server: the plan's facts for that server plus the IdP's token facts.
 * Validated against the edge's schema before it is returned.
 */
export function edgeConfigFor(plan: McpAuthPlan, serverName: string, idp: IdpTokenFacts): EdgeConfig {
  const server = planServer(plan, serverName);
  const byName = new Map(plan.scopes.map((s) => [s.name, s]));
  const scopes: EdgeConfig["scopes"] = {};
  // Every declared scope whose grants touch this server, so implications across servers still work.
  for (const s of plan.scopes) {
    if (s.grants.some((g) => server.scopes.includes(g))) scopes[s.name] = { sensitivity: s.sensitivity, grants: s.grants };
  }
  const ops = { tools: {}, resources: {}, prompts: {} } as EdgeConfig["operations"];
  for (const op of server.operations) {
    const bucket = op.kind === "tool" ? ops.tools : op.kind === "resource" ? (op.template ? (ops.resourceTemplates ??= {}) : ops.resources) : ops.prompts;
    bucket[op.name] = { scopes: op.scopes, sensitivity: op.sensitivity };
  }
  const revocable = server.immediateRevocation.filter((s) => byName.has(s));
  const upstream = idp.upstream ?? server.upstream;
  return parseEdgeConfig({
    configVersion: EDGE_CONFIG_VERSION,
    server: server.name,
    resource: server.resource,
    resourceName: server.displayName,
    authorizationServers: [idp.issuer],
    issuers: [idp.issuer, ...(idp.extraIssuers ?? [])],
    jwksUri: idp.jwksUri,
    ...(idp.jwks ? { jwks: idp.jwks } : {}),
    algorithms: idp.algorithms ?? ["RS256", "ES256"],
    audiences: [server.resource, ...(idp.extraAudiences ?? [])],
    ...(idp.tokenTypes ? { tokenTypes: idp.tokenTypes } : {}),
    clockToleranceSeconds: idp.clockToleranceSeconds ?? 30,
    scopeAliases: idp.scopeAliases ?? {},
    scopes,
    scopesSupported: server.consent.mandatory,
    maxTokenAgeSeconds: {
      routine: server.accessTokenMinutes.routine * 60,
      high: server.accessTokenMinutes.high * 60,
      critical: server.accessTokenMinutes.critical * 60,
    },
    operations: ops,
    allowedOrigins: server.allowedOrigins,
    ...(idp.introspection && revocable.length > 0
      ? {
          introspection: {
            endpoint: idp.introspection.endpoint,
            clientId: idp.introspection.clientId,
            ...(idp.introspection.clientSecretEnv ? { clientSecretEnv: idp.introspection.clientSecretEnv } : {}),
            scopes: revocable,
            cacheSeconds: idp.introspection.cacheSeconds ?? 5,
            ...(idp.introspection.opaqueTokens ? { opaqueTokens: true } : {}),
          },
        }
      : {}),
    ...(idp.revocationList
      ? { revocationList: { endpoint: idp.revocationList.endpoint, clientId: idp.revocationList.clientId, clientSecretEnv: idp.revocationList.clientSecretEnv, cacheSeconds: idp.revocationList.cacheSeconds ?? 10 } }
      : {}),
    claims: plan.claims,
    ...(upstream ? { upstream } : {}),
    ...(server.enforcement === "observe" ? { enforcement: "observe" as const } : {}),
    ...(server.filterLists === true ? { filterLists: true } : {}),
  });
}
