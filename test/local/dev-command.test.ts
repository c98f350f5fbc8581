import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { auditAdminGroup, defaultAuditFile, runDev } from "../../cli/commands/dev.js";
import { OutputFileError, UsageError, type CliIO } from "../../cli/io.js";
import { runCli } from "../support/cli.js";
import type { DevStack } from "../../components/local/dev-stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FILE = "stacks/crm/mcp-auth.ts";
const AUDIT_DIR = mkdtempSync(path.join(tmpdir(), "dev-audit-"));
const AUDIT_FILE = path.join(AUDIT_DIR, "audit.jsonl");
const ANY_PORTS = ["--as-port", "0", "--edge-port", "0", "--demo-port", "0", "--audit-port", "0", "--audit-file", AUDIT_FILE];
afterAll(() => rm(AUDIT_DIR, { recursive: true, force: true }));

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd: ROOT, env: {} };
}

async function occupy(): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  return s;
}

describe("pulumi-mcp-auth dev", () => {
  it("prints the MCP URLs, metadata URLs and how to connect, then stops cleanly", async () => {
    const io = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let stack: DevStack | undefined;
    const code = runDev([FILE, ...ANY_PORTS], io, stopped, (s) => {
      stack = s;
      stop();
    });
    expect(await code).toBe(0);
    const text = io.out.join("");
    expect(stack).toBeDefined();
    for (const s of stack!.servers) {
      expect(text).toContain(s.mcpUrl);
      expect(text).toContain(s.metadataUrl);
    }
    expect(text).toContain(`Authorization server  ${stack!.authorizationServer.issuer}`);
    expect(text).toContain(`claude mcp add --transport http crm ${stack!.servers[0]!.mcpUrl}`);
    expect(text).toContain("--client-id claude-code --callback-port 33418");
    expect(text).toContain("@modelcontextprotocol/inspector");
    expect(text).not.toContain("AUTO-APPROVE");
    expect(io.err.join("")).toContain("dev: stopped");
    // Closed: nothing listens any more.
    await expect(fetch(stack!.servers[0]!.metadataUrl)).rejects.toThrow();
  });

  it("writes the generated agent credentials to a private file on request", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-agents-"));
    try {
      const file = path.join(dir, "agents.json");
      const io = capture();
      expect(await runDev([FILE, ...ANY_PORTS, "--agent-credentials", file], io, Promise.resolve())).toBe(0);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const doc = JSON.parse(await readFile(file, "utf8")) as { clients: Array<{ clientId: string; privateJwk: { d?: string } }> };
      expect(doc.clients.map((c) => c.clientId)).toEqual(["nightly-digest"]);
      expect(doc.clients[0]!.privateJwk.d).toBeTruthy();
      expect(io.out.join("")).toContain(`written to ${file}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps the agent credentials file private (mode 0600) also when it already existed with a wider mode", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-agents-"));
    try {
      const file = path.join(dir, "agents.json");
      await writeFile(file, "{}\n", { mode: 0o644 });
      expect(await runDev([FILE, ...ANY_PORTS, "--agent-credentials", file], capture(), Promise.resolve())).toBe(0);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, "utf8"))).toHaveProperty("clients");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 naming the agent credentials file when it cannot be written, before starting anything", async () => {
    const r = await runCli(["dev", FILE, ...ANY_PORTS, "--agent-credentials", AUDIT_DIR], { cwd: ROOT });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`pulumi-mcp-auth: dev: --agent-credentials ${AUDIT_DIR}: cannot be written: it is a directory\n`);
  });

  it("stops what it started and exits 2 when the agent credentials cannot be written once it runs", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dev-agents-"));
    try {
      const file = path.join(dir, "agents.json");
      const io = capture();
      let ready = false;
      // The file can be written when dev starts, and no longer when the credentials exist.
      const run = runDev([FILE, ...ANY_PORTS, "--agent-credentials", file], io, new Promise<void>(() => undefined), () => (ready = true), async () => {
        const mod = await import("../../components/local/dev-stack.js");
        return { ...mod, startDevStack: async (o: Parameters<typeof mod.startDevStack>[0]) => {
          const stack = await mod.startDevStack(o);
          await rm(dir, { recursive: true, force: true });
          await writeFile(dir, "");
          return stack;
        } };
      });
      await expect(run).rejects.toThrow(new OutputFileError(`dev: --agent-credentials ${file}: cannot be written: a part of its path is not a directory`));
      expect(ready).toBe(false);
      expect(io.err.join("")).toContain("dev: stopped");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 naming the audit file when it cannot be written, before starting anything", async () => {
    const args = [FILE, ...ANY_PORTS.slice(0, -2), "--audit-file", AUDIT_DIR];
    const r = await runCli(["dev", ...args], { cwd: ROOT });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`pulumi-mcp-auth: dev: the audit file ${AUDIT_DIR}: cannot be written: it is a directory; choose another with --audit-file <path>\n`);
  });

  it("announces auto-approve loudly", async () => {
    const io = capture();
    expect(await runDev([FILE, ...ANY_PORTS, "--auto-approve", "alice"], io, Promise.resolve())).toBe(0);
    expect(io.out.join("")).toMatch(/!!! AUTO-APPROVE IS ON !!![\s\S]*approved as 'alice'/);
  });

  it("refuses auto-approve unless bound to loopback, before binding anything", async () => {
    await expect(runDev([FILE, ...ANY_PORTS, "--host", "0.0.0.0", "--auto-approve", "alice"], capture(), Promise.resolve())).rejects.toThrow(UsageError);
    await expect(runDev([FILE, ...ANY_PORTS, "--auto-approve", "mallory"], capture(), Promise.resolve())).rejects.toThrow(/not a seeded dev user/);
  });

  it("exits 2 naming the port and the flag when a port is taken", async () => {
    for (const [flag, role] of [["--edge-port", "edge"], ["--as-port", "authorization server"], ["--demo-port", "demo MCP server"], ["--audit-port", "audit surface"]] as const) {
      const busy = await occupy();
      const port = (busy.address() as AddressInfo).port;
      try {
        const io = capture();
        const args = [FILE, ...ANY_PORTS.filter((_, i, a) => a[i] !== flag && a[i - 1] !== flag), flag, String(port)];
        expect(await runDev(args, io, Promise.resolve())).toBe(2);
        expect(io.err.join("")).toContain(`port ${port} (${role}) is already in use`);
        expect(io.err.join("")).toContain(`${flag} <port>`);
      } finally {
        busy.close();
      }
    }
  });

  it("writes the edge's audit records and checkpoints to the audit file and serves the audit surface over it", async () => {
    const io = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let stack: DevStack | undefined;
    const code = runDev([FILE, ...ANY_PORTS], io, stopped, (s) => {
      stack = s;
      stop();
    });
    expect(await code).toBe(0);
    expect(stack).toBeDefined();
    const text = io.out.join("");
    const surface = stack!.auditSurface!.url;
    expect(surface).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/audit\/$/);
    expect(text).toContain(`Audit surface         ${surface} (sign in at the dev IdP; members of 'CRM Admins': alice)`);
    expect(text).toContain(`Audit log             ${AUDIT_FILE}`);
    // The verify command is printed ready to run, with the three paths filled in.
    expect(text).toContain(`pulumi-mcp-auth audit verify ${AUDIT_FILE} --checkpoints ${AUDIT_FILE.replace(/\.jsonl$/, ".checkpoints.jsonl")} --key ${AUDIT_FILE.replace(/\.jsonl$/, ".checkpoint-key.pem.pub.pem")}`);
    expect(stack!.audit).toEqual({ file: AUDIT_FILE, checkpointFile: AUDIT_FILE.replace(/\.jsonl$/, ".checkpoints.jsonl"), publicKeyFile: AUDIT_FILE.replace(/\.jsonl$/, ".checkpoint-key.pem.pub.pem") });
    expect((await stat(AUDIT_FILE.replace(/\.jsonl$/, ".checkpoint-key.pem"))).mode & 0o777).toBe(0o600);
  });

  it("serves the surface's sign-in redirect to the embedded IdP, and no record without a session", async () => {
    const io = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let stack!: DevStack;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const code = runDev([FILE, ...ANY_PORTS], io, stopped, (s) => {
      stack = s;
      ready();
    });
    await isReady;
    try {
      const mcp = await fetch(stack.servers[0]!.mcpUrl, { method: "POST" });
      expect(mcp.status).toBe(401);
      const api = await fetch(`${stack.auditSurface!.url}api/records`);
      expect(api.status).toBe(401);
      const login = await fetch(`${stack.auditSurface!.url}login`, { redirect: "manual" });
      expect(login.status).toBe(302);
      const to = new URL(login.headers.get("location")!);
      expect(to.origin).toBe(stack.authorizationServer.upstreamIssuer);
      expect(to.searchParams.get("client_id")).toBe("mcp-audit-surface");
      expect(to.searchParams.get("redirect_uri")).toBe(`${stack.auditSurface!.url}callback`);
      expect(to.searchParams.get("code_challenge_method")).toBe("S256");
      const root = await fetch(new URL("/", stack.auditSurface!.url), { redirect: "manual" });
      expect(root.headers.get("location")).toBe("/audit/");
    } finally {
      stop();
    }
    expect(await code).toBe(0);
    const lines = (await readFile(AUDIT_FILE, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ server: "crm", decision: "deny", status: 401, reason: "no_token" });
  });

  it("skips the surface with --no-audit-surface, and checks --audit-admin-group", async () => {
    const io = capture();
    let stack: DevStack | undefined;
    expect(await runDev([FILE, ...ANY_PORTS, "--no-audit-surface"], io, Promise.resolve(), (s) => (stack = s))).toBe(0);
    expect(stack!.auditSurface).toBeUndefined();
    expect(stack!.audit?.file).toBe(AUDIT_FILE);
    expect(io.out.join("")).toContain("Audit surface         not served: --no-audit-surface");
    await expect(runDev([FILE, ...ANY_PORTS, "--audit-admin-group", "nobody"], capture(), Promise.resolve())).rejects.toThrow(/--audit-admin-group 'nobody' is not a declared group; declared: crm-admins \(IdP group 'CRM Admins'\), sales-ops/);
    const plan = (await import("./fixtures.js")).crmPlan();
    expect(auditAdminGroup(plan, undefined)).toBe("CRM Admins");
    expect(auditAdminGroup(plan, "sales-ops")).toBe("CRM Sales Ops");
    expect(auditAdminGroup(plan, "CRM Sales")).toBe("CRM Sales");
    expect(auditAdminGroup({ ...plan, groups: plan.groups.filter((g) => !/admin/i.test(g.name)) }, undefined)).toBeUndefined();
    expect(defaultAuditFile("crm")).toBe(path.join(tmpdir(), "pulumi-mcp-auth-dev", "crm", "audit.jsonl"));
  });

  it("rejects a bad port value with a usage error", async () => {
    await expect(runDev([FILE, "--edge-port", "99999"], capture(), Promise.resolve())).rejects.toThrow(/--edge-port must be a port number/);
  });

  it("shuts down on SIGINT with exit code 0 when run as a process", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", "dev", FILE, ...ANY_PORTS], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev did not start: ${err}`)), 20_000);
      child.stdout.on("data", () => {
        if (out.includes("Press Ctrl-C to stop.")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const mcpUrl = /crm\s+(http:\/\/127\.0\.0\.1:\d+\/crm)\n/.exec(out)?.[1];
    expect(mcpUrl).toBeDefined();
    expect((await fetch(mcpUrl!, { method: "POST" })).status).toBe(401);
    const exit = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(err).toContain("dev: stopped");
  });
});
