import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import { fileCheckpoints } from "../../lambda/checkpoint-file.js";
import type { EdgeConfig } from "../../lambda/config.js";
import type { AuditRecord } from "../../lambda/core/audit.js";
import type { LogEntry } from "../../lambda/core/edge.js";
import { edgeConfigFor } from "../edge-config.js";
import type { McpAuthPlan } from "../plan/schema.js";
import { startAuthorizationServer, type LocalAuthorizationServer } from "./authorization-server.js";
import { startDemoMcpServer, type DemoMcpServer } from "./demo-mcp-server.js";
import { checkpointFilesFor } from "./audit-files.js";
import { devPlan } from "./dev-plan.js";
import { AUDIT_SURFACE_CLIENT_ID, AUDIT_SURFACE_PATH } from "./upstream-idp.js";

/**
 * The embedded local stack: the authorization front with an embedded upstream IdP, the edge (the
 * same code as the Lambda, via its node:http adapter, in gateway mode, trusting the front as its
 * issuer and reading its revocation list) and the demo MCP server behind it. With `auditFile`, the
 * edge appends its chained audit records to that file and signed checkpoints beside it; with
 * `auditSurface`, the audit surface serves that file at `/audit` behind sign-in at the embedded IdP.
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
  /** Audit-surface log lines (sign-ins, refusals, exports). Default: `log`. */
  auditSurfaceLog?: (line: string) => void;
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
  /**
   * The edge's audit log: each record is appended to this file as one JSON line (besides `audit`),
   * and signed checkpoints go to {@link checkpointFilesFor} next to it (the key is created once).
   */
  auditFile?: string;
  /**
   * The audit surface over `auditFile` (required with it), mounted at `/audit` on its own port, signing
   * in at the embedded IdP. Loopback binds only (the IdP's surface client has loopback redirect URIs).
   */
  auditSurface?: {
    /** IdP group whose members may use it (a declared group's `idpGroup`). */
    adminGroup: string;
    /** 0 (default) picks a free port. */
    port?: number;
  };
}

export { checkpointFilesFor } from "./audit-files.js";

/** The running audit surface of the dev stack. */
export interface DevAuditSurface {
  /** The page, e.g. `http://127.0.0.1:9403/audit/`. */
  url: string;
  adminGroup: string;
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
  /** The audit file, its checkpoint file and the checkpoints' public key (with `auditFile`). */
  audit?: { file: string; checkpointFile: string; publicKeyFile: string };
  auditSurface?: DevAuditSurface;
  close(): Promise<void>;
}

/** A port that could not be bound, named by role so the CLI can name the flag. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly role: "authorization server" | "edge" | "demo MCP server" | "audit surface",
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
  if (opts.auditSurface && !opts.auditFile) throw new Error("the audit surface needs an audit file (auditFile)");
  if (opts.auditSurface && !["127.0.0.1", "::1", "localhost"].includes(host)) throw new Error(`the local audit surface is served on loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
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
    let audit: DevStack["audit"];
    let sink = opts.audit ?? (() => undefined);
    let checkpoints: ReturnType<typeof fileCheckpoints> | undefined;
    if (opts.auditFile) {
      const file = path.resolve(opts.auditFile);
      const { checkpointFile, keyFile } = checkpointFilesFor(file);
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      checkpoints = fileCheckpoints({ keyFile, file: checkpointFile });
      const toStdout = sink;
      sink = (record, line) => {
        appendFileSync(file, `${line}\n`, { flag: "a", mode: 0o600 });
        toStdout(record, line);
      };
      audit = { file, checkpointFile, publicKeyFile: `${keyFile}.pub.pem` };
    }
    const edge = await bindAs("edge", edgePort, () =>
      startLocalEdge({
        configs: edgeConfigs,
        host,
        port: edgePort,
        secrets: (name) => (name === LOCAL_INTROSPECTION_SECRET_ENV ? as.introspection.clientSecret : undefined),
        audit: sink,
        log: opts.edgeLog ?? (() => undefined),
        tokenCache: { max: 0 },
        assertionKey,
        ...(checkpoints ? { checkpoints } : {}),
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
    let surface: (DevAuditSurface & { close(): Promise<void> }) | undefined;
    if (opts.auditSurface && audit) {
      surface = await bindAs("audit surface", opts.auditSurface.port ?? 0, () => startSurface(plan, host, opts.auditSurface!, audit.file, as.upstreamIssuer, opts));
      started.push(surface);
    }
    let closed: Promise<void> | undefined;
    return {
      plan,
      authorizationServer: as,
      edge,
      demo,
      edgeConfigs,
      servers,
      ...(audit ? { audit } : {}),
      ...(surface ? { auditSurface: { url: surface.url, adminGroup: surface.adminGroup } } : {}),
      close: () => (closed ??= Promise.all([edge.close(), as.close(), demo.close(), surface?.close()]).then(() => undefined)),
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}

/** The audit surface (components/audit-surface) over the audit file, at `/audit` on its own port. */
async function startSurface(plan: McpAuthPlan, host: string, o: NonNullable<DevStackOptions["auditSurface"]>, file: string, issuer: string, opts: DevStackOptions): Promise<DevAuditSurface & { close(): Promise<void> }> {
  // Loaded only when the surface runs (openid-client).
  const [{ createAuditSurface }, { fileAuditSource }, { RecordFilterSchema }] = await Promise.all([import("../audit-surface/server.js"), import("../audit-surface/file-source.js"), import("../audit-surface/records.js")]);
  const server: Server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  const sensitivity = new Map(plan.scopes.map((s) => [s.name, s.sensitivity]));
  const source = fileAuditSource(file, (s) => sensitivity.get(s));
  // Reads, verifies and indexes the file now, so the first admin's first page does not wait for it.
  void source.query(RecordFilterSchema.parse({ limit: 1 })).catch(() => undefined);
  const surface = createAuditSurface({
    source,
    signIn: { issuer, clientId: AUDIT_SURFACE_CLIENT_ID, redirectUri: `${origin}${AUDIT_SURFACE_PATH}/callback`, allowInsecureLoopback: true },
    adminGroup: o.adminGroup,
    basePath: AUDIT_SURFACE_PATH,
    ...((opts.auditSurfaceLog ?? opts.log) ? { log: opts.auditSurfaceLog ?? opts.log } : {}),
  });
  server.on("request", (req, res) => {
    if ((req.url ?? "/").split("?")[0] === "/" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(302, { location: `${AUDIT_SURFACE_PATH}/` }).end();
      return;
    }
    surface.handle(req, res);
  });
  return {
    url: `${origin}${AUDIT_SURFACE_PATH}/`,
    adminGroup: o.adminGroup,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
