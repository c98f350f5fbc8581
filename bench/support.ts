/**
 * Shared by the compile and diff benchmarks: the generated declaration, a full GC between runs, and
 * a median. Not a benchmark itself.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import type { McpAuthDeclaration } from "../components/model/declarations.js";

const RESOURCES = ["customers", "deals", "contacts", "notes", "tasks", "files", "reports", "invoices", "tickets", "projects"] as const;
const VERBS = [
  ["read", "routine"],
  ["write", "routine"],
  ["delete", "high"],
  ["export", "high"],
] as const;

/**
 * A declaration of `n` MCP servers: server i owns domain `svc<i>` with 10 resources × 4 verbs = 40
 * scopes and 30 tools (list / update / delete per resource; export scopes are step-up only); four
 * tiers (verified, CIMD, DCR, agent) and three groups spanning every server.
 */
export function generate(n: number): McpAuthDeclaration {
  const scopes: McpAuthDeclaration["scopes"] = {};
  const servers: McpAuthDeclaration["servers"] = [];
  const readers: string[] = [];
  const editors: string[] = [];
  const ops: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = `svc${i}`;
    const tools: McpAuthDeclaration["servers"][number]["tools"] = {};
    for (const r of RESOURCES) {
      for (const [verb, sensitivity] of VERBS) {
        scopes[`${d}:${r}:${verb}`] = { description: `${verb} ${r} on ${d}`, sensitivity, ...(verb === "write" ? { implies: [`${d}:${r}:read`] } : {}) };
      }
      tools[`list_${r}`] = { scopes: [`${d}:${r}:read`] };
      tools[`update_${r}`] = { scopes: [`${d}:${r}:write`] };
      tools[`delete_${r}`] = { scopes: [`${d}:${r}:delete`, `${d}:${r}:write`] };
      readers.push(`${d}:${r}:read`);
      editors.push(`${d}:${r}:write`);
      ops.push(`${d}:${r}:export`);
    }
    servers.push({ name: `server-${i}`, resource: `https://mcp.example.com/${d}`, displayName: `Service ${i}`, tools, consent: { stepUp: RESOURCES.map((r) => `${d}:${r}:export`) } });
  }
  const pub = { clientType: "public", grantTypes: ["authorization_code", "refresh_token"] } as const;
  return {
    name: "bench",
    scopes,
    servers,
    tiers: {
      verified: { ...pub, grantTypes: [...pub.grantTypes], registration: "pre-registered", maxSensitivity: "critical", clients: [{ name: "desktop", redirectUris: ["http://127.0.0.1/callback"] }] },
      cimd: { ...pub, grantTypes: [...pub.grantTypes], registration: "cimd", maxSensitivity: "routine", allowedDomains: ["claude.ai"] },
      dcr: { ...pub, grantTypes: [...pub.grantTypes], registration: "dcr", maxSensitivity: "routine", allowedRedirectUris: ["http://127.0.0.1/callback"] },
      agent: { registration: "client-credentials", clientType: "confidential", grantTypes: ["client_credentials"], maxSensitivity: "routine", scopes: readers.slice(0, 50) },
    },
    groups: { readers: { scopes: readers }, editors: { scopes: editors }, ops: { scopes: ops } },
  };
}

v8.setFlagsFromString("--expose-gc");
/**
 * A full garbage collection, run before each measured run so that no run pays for the garbage of
 * the previous one (the machine is shared; this keeps figures comparable).
 */
export const gc = vm.runInNewContext("gc") as () => void;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Repository root (bench/..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * How a file path appears in published figures: relative to the repository, never an absolute path
 * of the machine that ran the benchmark. A path under another checkout of the repository (a worktree,
 * a shared `node_modules`) is shown by its longest tail that exists in this one; any other path by its
 * file name.
 */
export function displayPath(p: string, root = REPO_ROOT): string {
  if (!path.isAbsolute(p)) return p;
  const rel = path.relative(root, p);
  if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
  const parts = p.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const tail = parts.slice(i).join("/");
    if (existsSync(path.join(root, tail))) return tail;
  }
  return path.basename(p);
}

/**
 * Rewrites every absolute file path in a results text (a path whose first directory exists on this
 * machine, e.g. `/home/…`, `/work/…`, `/tmp/…`) with {@link displayPath}. URL paths such as
 * `/.well-known/…` are left alone: their first segment is not a directory here.
 */
export function scrubPaths(text: string, root = REPO_ROOT): string {
  return text.replace(/(?<![\w.:/-])\/(?:[\w.@+-]+\/)+[\w.@+-]*[\w@+-]/g, (m) => {
    const first = m.split("/")[1]!;
    if (first === "dev") return m; // /dev/null and friends are the same on every machine
    return existsSync(`/${first}`) && !first.startsWith(".") ? displayPath(m, root) : m;
  });
}
