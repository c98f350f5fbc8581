/**
 * Shared by the compile and diff benchmarks: the generated declaration, a full GC between runs, and
 * a median. Not a benchmark itself.
 */
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
