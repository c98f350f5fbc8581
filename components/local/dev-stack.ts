import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import type { EdgeConfig } from "../../lambda/config.js";
import type { AuditRecord } from "../../lambda/core/audit.js";
import type { LogEntry } from "../../lambda/core/edge.js";
import { edgeConfigFor } from "../edge-config.js";
import type { McpAuthPlan } from "../plan/schema.js";
import { startAuthorizationServer, type LocalAuthorizationServer } from "./authorization-server.js";
import { startDemoMcpServer, type DemoMcpServer } from "./demo-mcp-server.js";
import { devPlan } from "./dev-plan.js";

/**
 * The embedded local stack: the authorization front with an embedded upstream IdP, the edge (the
 * same code as the Lambda, via its node:http adapter, in gateway mode, trusting the front as its
 * issuer and reading its revocation list) and the demo MCP server behind it.
 */

/** Environment-variable name under which the edge looks up its introspection secret (in memory only). */
export const LOCAL_INTROSPECTION_SECRET_ENV = "MCP_AUTH_LOCAL_INTROSPECTION_SECRET";

/** Browser origins the dev stack also allows, so the MCP Inspector (default port 6274) can connect. */
export const DEV_EXTRA_ORIGINS = ["http://localhost:6274", "http://127.0.0.1:6274"];

export interface DevStackOptions {
  /** The compiled plan (as declared; resources are rewritten to loopback edge URLs). */
  plan: McpAuthPlan;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Ports; 0 (default) picks free ones. */
  asPort?: number;
  edgePort?: number;
  demoPort?: number;
  /** Seeded user to approve automatically (loopback only). */
  autoApprove?: string;
  /** Authorization-server log lines. */
  log?: (line: string) => void;
  /** Edge audit records (default: discarded). */
  audit?: (record: AuditRecord, line: string) => void;
  /** Edge operator log (default: discarded). */
  edgeLog?: (entry: LogEntry) => void;
  /** Clock for the edge and the front, ms (tests). */
  now?: () => number;
  /** The front's store (default: in memory). */
  store?: import("../front/store/types.js").FrontStore;
  /** Seconds the edge keeps the front's revocation list (default 10; the revocation bound). */
  revocationCacheSeconds?: number;
}

/** One MCP server of the running stack. */
export interface DevServerInfo {
  name: string;
  displayName: string;
  /** The MCP endpoint clients connect to (the edge route; also the token audience). */
  mcpUrl: string;
  /** RFC 9728 metadata URL (path-suffixed). */
  metadataUrl: string;
  /** Where the edge forwards allowed requests (the demo server). */
  upstream: string;
}

export interface DevStack {
  /** The dev plan actually enforced (loopback resources). */
  plan: McpAuthPlan;
  authorizationServer: LocalAuthorizationServer;
  edge: LocalEdge;
  demo: DemoMcpServer;
  edgeConfigs: EdgeConfig[];
  servers: DevServerInfo[];
  close(): Promise<void>;
}

/** A port that could not be bound, named by role so the CLI can name the flag. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly role: "authorization server" | "edge" | "demo MCP server",
    readonly port: number,
  ) {
    super(`port ${port} (${role}) is already in use`);
  }
}

async function freePort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, host, () => resolve());
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function bindAs<T>(role: PortInUseError["role"], port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new PortInUseError(role, port);
    throw err;
  }
}

/** Starts demo server, authorization server and edge; on any failure closes what started. */
export async function startDevStack(opts: DevStackOptions): Promise<DevStack> {
  const host = opts.host ?? "127.0.0.1";
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    // The edge signs an identity assertion for the upstream (no token passthrough, MCP RS-17);
    // the demo server accepts only requests carrying a valid one.
    const { privateKey: assertionKey, publicKey: assertionPublicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    let resources = new Map<string, string>();
    const demo = await bindAs("demo MCP server", opts.demoPort ?? 0, () =>
      startDemoMcpServer({ plan: opts.plan, host, port: opts.demoPort ?? 0, assertionPublicKey, assertionIssuer: (name) => resources.get(name) }),
    );
    started.push(demo);
    // The resource URIs embed the edge's port, so it must be known before the AS and edge start.
    const edgePort = opts.edgePort || (await freePort(host));
    const edgeOrigin = `http://${host.includes(":") ? `[${host}]` : host}:${edgePort}`;
    const base = devPlan(opts.plan, edgeOrigin, (s) => demo.urlFor(s.name));
    const plan: McpAuthPlan = { ...base, servers: base.servers.map((s) => ({ ...s, allowedOrigins: [...new Set([...s.allowedOrigins, ...DEV_EXTRA_ORIGINS])] })) };
    resources = new Map(plan.servers.map((s) => [s.name, s.resource]));
    const as = await bindAs("authorization server", opts.asPort ?? 0, () =>
      startAuthorizationServer({
        plan,
        host,
        port: opts.asPort ?? 0,
        ...(opts.autoApprove !== undefined ? { autoApprove: opts.autoApprove } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.store ? { store: opts.store } : {}),
      }),
    );
    started.push(as);
    const edgeConfigs = plan.servers.map((s) =>
      edgeConfigFor(plan, s.name, {
        issuer: as.issuer,
        jwksUri: as.jwksUri,
        jwks: as.jwks as { keys: Array<{ kty: string }> },
        algorithms: ["RS256"],
        // RFC 9068 §2.1: oidc-provider's JWT access tokens carry typ "at+jwt".
        tokenTypes: ["at+jwt"],
        // Immediate revocation (critical scopes): no positive-result cache locally.
        introspection: { endpoint: as.introspection.endpoint, clientId: as.introspection.clientId, clientSecretEnv: LOCAL_INTROSPECTION_SECRET_ENV, cacheSeconds: 0 },
        // Everything else: the front's revocation list, re-read at most every revocationCacheSeconds.
        revocationList: { endpoint: as.revocationListEndpoint, clientId: as.introspection.clientId, clientSecretEnv: LOCAL_INTROSPECTION_SECRET_ENV, cacheSeconds: opts.revocationCacheSeconds ?? 10 },
        upstream: demo.urlFor(s.name),
      }),
    );
    const edge = await bindAs("edge", edgePort, () =>
      startLocalEdge({
        configs: edgeConfigs,
        host,
        port: edgePort,
        secrets: (name) => (name === LOCAL_INTROSPECTION_SECRET_ENV ? as.introspection.clientSecret : undefined),
        audit: opts.audit ?? (() => undefined),
        log: opts.edgeLog ?? (() => undefined),
        tokenCache: { max: 0 },
        assertionKey,
        ...(opts.now ? { now: opts.now } : {}),
      }),
    );
    started.push(edge);
    const servers = plan.servers.map((s) => ({
      name: s.name,
      displayName: s.displayName,
      mcpUrl: s.resource,
      metadataUrl: `${edgeOrigin}/.well-known/oauth-protected-resource/${encodeURIComponent(s.name)}`,
      upstream: demo.urlFor(s.name),
    }));
    let closed: Promise<void> | undefined;
    return {
      plan,
      authorizationServer: as,
      edge,
      demo,
      edgeConfigs,
      servers,
      close: () => (closed ??= Promise.all([edge.close(), as.close(), demo.close()]).then(() => undefined)),
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
