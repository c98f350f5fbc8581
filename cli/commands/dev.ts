import os from "node:os";
import path from "node:path";
import { OutputFileError, UsageError, type CliIO, type Command } from "../io.js";
import { parseCommandArgs } from "../args.js";
import { requireAppendable, requireWritable, writeOutputFile } from "../output.js";
import { formatIssues, paint } from "../format.js";
import { loadPlanForCommand } from "../plan-loader.js";
import { isLoopbackHost } from "../../components/local/loopback.js";
// The stack (oidc-provider, the MCP SDK) is imported when `dev` runs, not when `--help` lists commands.
import type { DevStack, PortInUseError } from "../../components/local/dev-stack.js";
import { checkpointFilesFor } from "../../components/local/audit-files.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";

/** Default ports of `dev` (authorization server, edge, demo MCP server, audit surface). */
export const DEV_DEFAULT_PORTS = { as: 9400, edge: 9401, demo: 9402, audit: 9403 } as const;

/** Where `dev` appends the edge's audit records unless `--audit-file` says otherwise (kept across runs). */
export function defaultAuditFile(planName: string): string {
  return path.join(os.tmpdir(), "pulumi-mcp-auth-dev", planName.replace(/[^A-Za-z0-9._-]/g, "_"), "audit.jsonl");
}

/**
 * The IdP group of the audit surface's admins: `--audit-admin-group` (a declared group's name or its
 * `idpGroup`), else the first declared group whose name or `idpGroup` says "admin"; undefined if none.
 */
export function auditAdminGroup(plan: McpAuthPlan, flag: string | undefined): string | undefined {
  if (flag !== undefined) {
    const g = plan.groups.find((x) => x.name === flag || x.idpGroup === flag);
    if (!g) throw new UsageError(`dev: --audit-admin-group '${flag}' is not a declared group; declared: ${plan.groups.map((x) => `${x.name} (IdP group '${x.idpGroup}')`).join(", ") || "(none)"}`);
    return g.idpGroup;
  }
  return plan.groups.find((x) => /admin/i.test(x.name) || /admin/i.test(x.idpGroup))?.idpGroup;
}

const help = `Usage: pulumi-mcp-auth dev [file] [options]

Runs the whole product on this machine, no cloud account needed: the authorization front
(an OAuth 2.1 authorization server compiled from the declaration, default ./mcp-auth.ts) with an
embedded OpenID provider standing in for your IdP, the edge (the same code as the Lambda) in
front of a demo MCP server with in-memory data.
The edge's audit records go to a local audit file, and a read-only audit surface over that file
(sign-in at the embedded IdP, admin group only) lets you search, inspect and export them.
Everything binds 127.0.0.1 unless --host says otherwise. Ctrl-C stops it.

Options:
  --as-port <port>         Authorization server port (default ${DEV_DEFAULT_PORTS.as}; 0 = any free port).
  --edge-port <port>       Edge port, where MCP clients connect (default ${DEV_DEFAULT_PORTS.edge}).
  --demo-port <port>       Demo MCP server port (default ${DEV_DEFAULT_PORTS.demo}).
  --audit-port <port>      Audit surface port (default ${DEV_DEFAULT_PORTS.audit}); the page is at /audit/.
  --host <address>         Bind address (default 127.0.0.1). Anything but loopback exposes
                           password-less dev logins to the network; a warning is printed.
  --auto-approve <user>    Sign in as this seeded dev user and approve every request without
                           pages (automation only; refused unless bound to loopback).
  --agent-credentials <f>  Write the generated agent-tier client credentials (private keys)
                           to this JSON file (mode 0600).
  --audit                  Also print the edge's audit records (JSON lines) on stdout.
  --audit-file <path>      Append the edge's chained audit records to this file (default
                           <tmpdir>/pulumi-mcp-auth-dev/<plan>/audit.jsonl, kept across runs);
                           signed checkpoints go beside it (audit.checkpoints.jsonl for
                           audit.jsonl), signed with the key in audit.checkpoint-key.pem
                           (created once, mode 0600; its public key in ….pub.pem).
  --audit-admin-group <g>  Group allowed into the audit surface: a declared group's name or IdP
                           group (default: the first declared group whose name or IdP group
                           says "admin"). A name that is not a declared group exits 2.
  --no-audit-surface       Do not serve the audit surface (the audit file is still written).
  -h, --help               Show this help.

Exit codes:
  0  stopped with Ctrl-C (SIGINT) or SIGTERM
  2  invalid declaration, bad arguments, a port already in use, an audit or credentials file
     that cannot be written, or the optional peer dependencies (oidc-provider, openid-client,
     @modelcontextprotocol/sdk, dynalite, @aws-sdk/client-dynamodb) not installed
`;

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new UsageError(`dev: --${flag} must be a port number 0-65535, got '${value}'`);
  return n;
}

const FLAG_FOR: Record<PortInUseError["role"], string> = { "authorization server": "--as-port", edge: "--edge-port", "demo MCP server": "--demo-port", "audit surface": "--audit-port" };

/** What a dynamically registered client may get, e.g. " (registers dynamically: tier 'dcr', up to routine)". */
function dcrNote(stack: DevStack): string {
  const dcr = stack.plan.tiers.find((t) => t.registration === "dcr");
  return dcr ? `  (registers dynamically: tier '${dcr.name}', scopes up to ${dcr.maxSensitivity})` : "";
}

/** A `claude mcp add` line for the first pre-registered public client with a loopback redirect port. */
function preRegisteredHint(stack: DevStack, server: { name: string; mcpUrl: string }): string[] {
  for (const t of stack.plan.tiers) {
    if (t.registration !== "pre-registered" || t.clientType !== "public") continue;
    for (const c of t.clients) {
      const uri = c.redirectUris.find((u) => /^http:\/\/(127\.0\.0\.1|localhost):\d+\//.test(u));
      if (uri) return [`                  claude mcp add --transport http --client-id ${c.name} --callback-port ${new URL(uri).port} ${server.name} ${server.mcpUrl}  (pre-registered '${c.name}', tier '${t.name}')`];
    }
  }
  return [];
}

/** The text `dev` prints once everything listens. */
export function describeStack(stack: DevStack, autoApprove?: string, credentialsFile?: string, surfaceNote?: string): string {
  const as = stack.authorizationServer;
  const w = Math.max(...stack.servers.map((s) => s.name.length), 6);
  const lines = [
    `pulumi-mcp-auth dev: plan '${stack.plan.name}' with ${stack.servers.length} MCP server(s), all on loopback`,
    "",
    `Authorization server  ${as.issuer}`,
    `  metadata            ${as.metadataUrl}`,
    `  your grants         ${as.issuer}/grants`,
    `  sign-in (dev IdP)   ${as.upstreamIssuer} (stands in for Okta, Auth0 or Entra ID)`,
    "",
    "MCP servers (connect here; the edge validates tokens and forwards to the demo server):",
    ...stack.servers.flatMap((s) => [`  ${s.name.padEnd(w)}  ${s.mcpUrl}`, `  ${"".padEnd(w)}  metadata ${s.metadataUrl}`]),
    `Demo MCP server       ${stack.demo.url} (in-memory data, reset on restart)`,
    "",
    ...(stack.audit ? [`Audit log             ${stack.audit.file}`, `  checkpoints         ${stack.audit.checkpointFile}`, `  verify with         pulumi-mcp-auth audit verify ${stack.audit.file} --checkpoints ${stack.audit.checkpointFile} --key ${stack.audit.publicKeyFile}`] : []),
    ...(stack.auditSurface
      ? [`Audit surface         ${stack.auditSurface.url} (sign in at the dev IdP; members of '${stack.auditSurface.adminGroup}': ${adminsOf(stack, stack.auditSurface.adminGroup)})`]
      : surfaceNote
        ? [`Audit surface         not served: ${surfaceNote}`]
        : []),
    ...(stack.audit || surfaceNote ? [""] : []),
    `Dev users: ${stack.plan.dev.users.map((u) => `${u.username} (${u.groups.join(", ") || "no groups"})`).join("; ") || "(none: declare dev.users)"}`,
  ];
  const pre = stack.plan.tiers.flatMap((t) => t.clients.map((c) => `${c.name} [${t.name}]`));
  if (pre.length) lines.push(`Pre-registered clients: ${pre.join(", ")}`);
  if (as.agentCredentials.length) {
    lines.push(
      credentialsFile
        ? `Agent credentials (${as.agentCredentials.map((a) => a.clientId).join(", ")}) written to ${credentialsFile}`
        : `Agent clients (${as.agentCredentials.map((a) => a.clientId).join(", ")}): keys are generated per run; pass --agent-credentials <file> to get them`,
    );
  }
  const first = stack.servers[0];
  if (first) {
    lines.push(
      "",
      "Connect a client:",
      `  Claude Code:    claude mcp add --transport http ${first.name} ${first.mcpUrl}${dcrNote(stack)}`,
      ...preRegisteredHint(stack, first),
      `  MCP Inspector:  npx @modelcontextprotocol/inspector  (Transport "Streamable HTTP", URL ${first.mcpUrl})`,
      `  Any client:     an MCP client that supports OAuth discovers everything from ${first.mcpUrl}`,
    );
  }
  if (autoApprove) {
    lines.push(
      "",
      "!!! AUTO-APPROVE IS ON !!!",
      `!!! Every authorization request is approved as '${autoApprove}' with every scope that user and the client's tier allow: !!!`,
      "!!! no login, consent or step-up page is shown. For automation on this machine only.                   !!!",
    );
  }
  lines.push("", "Press Ctrl-C to stop.", "");
  return lines.join("\n");
}

/** Dev users in the admin group, by username. */
function adminsOf(stack: DevStack, idpGroup: string): string {
  const groups = new Set(stack.plan.groups.filter((g) => g.idpGroup === idpGroup).map((g) => g.name));
  return stack.plan.dev.users.filter((u) => u.groups.some((g) => groups.has(g))).map((u) => u.username).join(", ") || "no dev user";
}

type DevStackModule = typeof import("../../components/local/dev-stack.js");

/** Optional peer dependencies the local stack needs (package.json `peerDependenciesMeta`), with the ranges to install. */
export const DEV_PEERS = { "oidc-provider": "^9.0.0", "openid-client": "^6.0.0", "@modelcontextprotocol/sdk": "^1.20.0", dynalite: "^4.0.0", "@aws-sdk/client-dynamodb": "^3.0.0" } as const;

/** The optional peer a module-resolution error is about, if it is one of {@link DEV_PEERS}. */
export function missingPeer(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.message !== "string") return undefined;
  const m = /Cannot find (?:package|module) '([^']+)'|Failed to (?:load|resolve) (?:url|import) "?([^\s"]+)/.exec(e.message);
  const spec = m?.[1] ?? m?.[2];
  if (!spec) return undefined;
  return Object.keys(DEV_PEERS).find((p) => spec === p || spec.startsWith(`${p}/`));
}

/** One line naming what to install (every peer: the local stack needs each of them). */
export function missingPeersMessage(missing: string): string {
  const install = Object.entries(DEV_PEERS).map(([p, r]) => `${p}@${r}`).join(" ");
  const names = Object.keys(DEV_PEERS);
  return `dev: the local stack needs the optional peer dependencies ${names.slice(0, -1).join(", ")} and ${names.at(-1)}, and ${missing} is not installed; install them with: npm install --save-dev ${install}`;
}

/**
 * Runs `dev` until `stop` settles (default: SIGINT or SIGTERM). Exported for tests; `loadStack`
 * stands in for the import of the local stack (tests simulate a missing optional peer with it).
 * @returns exit code: 0 after a clean stop, 2 for bad input, a missing optional peer or a port in use.
 */
export async function runDev(
  args: readonly string[],
  io: CliIO,
  stop?: Promise<void>,
  onReady?: (stack: DevStack) => void,
  loadStack: () => Promise<DevStackModule> = () => import("../../components/local/dev-stack.js"),
): Promise<number> {
  const { values, positionals } = parseCommandArgs("dev", args, {
    "as-port": { type: "string" },
    "edge-port": { type: "string" },
    "demo-port": { type: "string" },
    host: { type: "string" },
    "auto-approve": { type: "string" },
    "agent-credentials": { type: "string" },
    audit: { type: "boolean", default: false },
    "audit-file": { type: "string" },
    "audit-port": { type: "string" },
    "audit-admin-group": { type: "string" },
    "no-audit-surface": { type: "boolean", default: false },
  });
  const host = values.host ?? "127.0.0.1";
  const autoApprove = values["auto-approve"];
  if (autoApprove !== undefined && !isLoopbackHost(host)) {
    throw new UsageError(`dev: --auto-approve is refused when binding ${host}; it is only allowed on loopback (127.0.0.1 or ::1)`);
  }
  const ports = { as: port("as-port", values["as-port"], DEV_DEFAULT_PORTS.as), edge: port("edge-port", values["edge-port"], DEV_DEFAULT_PORTS.edge), demo: port("demo-port", values["demo-port"], DEV_DEFAULT_PORTS.demo), audit: port("audit-port", values["audit-port"], DEV_DEFAULT_PORTS.audit) };
  const loaded = await loadPlanForCommand(positionals[0], io.cwd);
  if (!loaded.ok) {
    io.stderr(formatIssues(loaded.file, loaded.issues, paint(false)));
    return 2;
  }
  if (autoApprove !== undefined && !loaded.plan.dev.users.some((u) => u.username === autoApprove)) {
    throw new UsageError(`dev: --auto-approve '${autoApprove}' is not a seeded dev user; known: ${loaded.plan.dev.users.map((u) => u.username).join(", ") || "(none: declare dev.users)"}`);
  }
  const auditFile = values["audit-file"] !== undefined ? path.resolve(io.cwd, values["audit-file"]) : defaultAuditFile(loaded.plan.name);
  // Files dev writes are checked before anything starts: one line and exit 2, not a stack trace
  // (or an edge failing on its first request) once the ports are bound.
  const auditFileProblem = `dev: the audit file ${auditFile}`;
  try {
    await requireAppendable(auditFileProblem, auditFile, { fileMode: 0o600, dirMode: 0o700 });
    const { checkpointFile } = checkpointFilesFor(auditFile);
    await requireAppendable(`dev: the checkpoint file ${checkpointFile}`, checkpointFile, { fileMode: 0o644 });
  } catch (err) {
    if (err instanceof OutputFileError) throw new OutputFileError(`${err.message}; choose another with --audit-file <path>`);
    throw err;
  }
  const credentialsFlag = values["agent-credentials"];
  if (credentialsFlag !== undefined) await requireWritable(`dev: --agent-credentials ${credentialsFlag}`, path.resolve(io.cwd, credentialsFlag));
  const adminGroup = auditAdminGroup(loaded.plan, values["audit-admin-group"]);
  let surfaceNote: string | undefined;
  if (values["no-audit-surface"]) surfaceNote = "--no-audit-surface";
  else if (!["127.0.0.1", "::1", "localhost"].includes(host)) surfaceNote = `served on 127.0.0.1, ::1 or localhost only, not ${host}`;
  else if (adminGroup === undefined) surfaceNote = "no declared group names an admin; pass --audit-admin-group <group>";
  let devStack: DevStackModule;
  try {
    devStack = await loadStack();
  } catch (err) {
    const missing = missingPeer(err);
    if (!missing) throw err;
    io.stderr(`${missingPeersMessage(missing)}\n`);
    return 2;
  }
  const { startDevStack, PortInUseError: PortInUse } = devStack;
  // The front keeps its state in a DynamoDB-compatible server started in this process (the same
  // store code as on AWS); it lives and dies with the command.
  let state: Awaited<ReturnType<typeof localFrontState>>;
  try {
    state = await localFrontState();
  } catch (err) {
    const missing = missingPeer(err);
    if (!missing) throw err;
    io.stderr(`${missingPeersMessage(missing)}\n`);
    return 2;
  }
  let stack: DevStack;
  try {
    stack = await startDevStack({
      store: state.store,
      plan: loaded.plan,
      host,
      asPort: ports.as,
      edgePort: ports.edge,
      demoPort: ports.demo,
      auditFile,
      ...(surfaceNote === undefined && adminGroup !== undefined ? { auditSurface: { adminGroup, port: ports.audit } } : {}),
      ...(autoApprove !== undefined ? { autoApprove } : {}),
      log: (line) => io.stderr(`[auth] ${line}\n`),
      auditSurfaceLog: (line) => io.stderr(`[audit] ${line}\n`),
      ...(values.audit ? { audit: (_r, line: string) => io.stdout(`${line}\n`) } : {}),
      edgeLog: (e) => {
        if (e.level !== "info") io.stderr(`[edge] ${JSON.stringify(e)}\n`);
      },
    });
  } catch (err) {
    await state.close();
    if (err instanceof PortInUse) {
      io.stderr(`dev: port ${err.port} (${err.role}) is already in use on ${host}; stop what uses it or pick another with ${FLAG_FOR[err.role]} <port> (0 picks a free one)\n`);
      return 2;
    }
    throw err;
  }
  let credentialsFile: string | undefined;
  if (credentialsFlag !== undefined && stack.authorizationServer.agentCredentials.length) {
    const doc = { issuer: stack.authorizationServer.issuer, tokenEndpoint: stack.authorizationServer.tokenEndpoint, clients: stack.authorizationServer.agentCredentials };
    try {
      // Private keys: mode 0600 also when the file existed with a wider mode.
      credentialsFile = await writeOutputFile(`dev: --agent-credentials ${credentialsFlag}`, io.cwd, credentialsFlag, `${JSON.stringify(doc, null, 2)}\n`, 0o600);
    } catch (err) {
      io.stderr("dev: stopping…\n");
      await stack.close();
      await state.close();
      io.stderr("dev: stopped\n");
      throw err;
    }
  }
  if (!isLoopbackHost(host)) io.stderr(`dev: WARNING: bound to ${host}, not loopback: anyone who can reach it can sign in as a dev user\n`);
  io.stdout(describeStack(stack, autoApprove, credentialsFile, surfaceNote));
  io.stderr(`dev: the front's state is in table '${state.tableName}' at ${state.endpoint} (pulumi-mcp-auth revoke --table ${state.tableName} --endpoint ${state.endpoint} …)\n`);
  onReady?.(stack);
  await (stop ?? signalled());
  io.stderr("dev: stopping…\n");
  await stack.close();
  await state.close();
  io.stderr("dev: stopped\n");
  return 0;
}

/** dynalite on 127.0.0.1, the front's table in it, and the DynamoDB store on it. */
async function localFrontState() {
  const [{ DynamoDBClient }, { createDynamoStore, createFrontTable }, { localDynamoClientConfig, startLocalDynamo }] = await Promise.all([
    import("@aws-sdk/client-dynamodb"),
    import("../../components/front/store/dynamodb.js"),
    import("../../components/front/store/local-dynamo.js"),
  ]);
  const local = await startLocalDynamo();
  const client = new DynamoDBClient(localDynamoClientConfig(local.endpoint));
  const tableName = "mcp-auth-front";
  try {
    await createFrontTable(client, tableName);
  } catch (err) {
    client.destroy();
    await local.close();
    throw err;
  }
  return {
    store: createDynamoStore({ client, tableName }),
    tableName,
    endpoint: local.endpoint,
    close: async () => {
      client.destroy();
      await local.close();
    },
  };
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

const dev: Command = {
  name: "dev",
  summary: "Run the local stack: authorization server, edge, demo MCP server and audit surface (no cloud account).",
  help,
  run: (args, io) => runDev(args, io),
};

export default dev;
