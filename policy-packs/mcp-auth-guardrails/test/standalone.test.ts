import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Policy } from "@pulumi/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installTarball, npmPack, run } from "../../../test/support/npm-pack.js";
import { violations } from "./harness.js";

/**
 * The pack the way a platform repo gets it: `npm pack` the main package (prepack builds it), take
 * the pack folder the tarball ships, copy it alone into an empty directory, install the main
 * tarball into it (the registry serves the other dependencies), `npm run build`, and run the built
 * policies. Nothing here can reach this repository's sources.
 */

let work: string;
let pack: string;
let policies: Policy[];
let toolkit: typeof import("../../../components/index.js");

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "mcp-auth-guardrails-standalone-"));
  const { tarball } = await npmPack(work);
  await mkdir(path.join(work, "unpacked"));
  await run("tar", ["xzf", tarball, "-C", path.join(work, "unpacked")]);
  pack = path.join(work, "platform-repo", "mcp-auth-guardrails");
  await cp(path.join(work, "unpacked/package/policy-packs/mcp-auth-guardrails"), pack, { recursive: true });
  await installTarball(tarball, pack);
  await run("npm", ["run", "build"], { cwd: pack, maxBuffer: 64 << 20 });
  const req = createRequire(path.join(pack, "package.json"));
  policies = (req(path.join(pack, "dist/policies.cjs")) as { policies: Policy[] }).policies;
  toolkit = (await import(pathToFileURL(path.join(pack, "node_modules/pulumi-mcp-auth/dist/components/index.js")).href)) as typeof toolkit;
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const crm = () => JSON.parse(JSON.stringify(toolkit.compile(toolkitCrm())));
/** The CRM example, as a platform team would declare it with the installed package. */
const toolkitCrm = () => {
  const d = toolkit.defineMcpAuth({
    name: "crm",
    scopes: {
      "crm:customers:read": { description: "Read customers", sensitivity: "routine" },
      "crm:customers:export": { description: "Export customers", sensitivity: "high" },
    },
    servers: [
      {
        name: "crm",
        resource: "https://mcp.example.com/crm",
        displayName: "CRM",
        tools: { list_customers: { scopes: ["crm:customers:read"] }, export_customers: { scopes: ["crm:customers:export"] } },
      },
    ],
    tiers: {
      verified: {
        registration: "pre-registered",
        clientType: "public",
        grantTypes: ["authorization_code", "refresh_token"],
        maxSensitivity: "critical",
        clients: [{ name: "desktop", redirectUris: ["http://127.0.0.1/callback"] }],
      },
      dcr: {
        registration: "dcr",
        clientType: "public",
        grantTypes: ["authorization_code", "refresh_token"],
        maxSensitivity: "routine",
        allowedRedirectUris: ["http://127.0.0.1/callback"],
      },
    },
    groups: { "sales-ops": { idpGroup: "CRM Sales Ops", scopes: ["crm:customers:export"] } },
  });
  return d;
};
const component = (props: Record<string, unknown>) => ({ type: "pulumi-mcp-auth:okta:McpAuth", name: "crm", props });
const policy = (name: string) => policies.find((p) => p.name === name)!;
async function allViolations(resource: { type: string; name: string; props: Record<string, unknown> }): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of policies) {
    const v = await violations(p, resource);
    if (v.length) out.set(p.name, v);
  }
  return out;
}

describe("the policy pack copied alone into a platform repo", () => {
  it("ships in the main package with its own package.json that depends on pulumi-mcp-auth, not on this repository", async () => {
    const pkg = JSON.parse(await readFile(path.join(pack, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain("pulumi-mcp-auth");
    for (const f of ["src/plan/planPolicies.ts", "src/okta/authServerScopeNoOmnibus.ts"]) {
      expect(await readFile(path.join(pack, f), "utf8")).not.toMatch(/\.\.\/\.\.\/\.\.\/\.\.\/components/);
    }
  });

  it("builds with npm run build into CommonJS bundles that carry the toolkit's rules and load only the Pulumi SDKs", async () => {
    const code = await readFile(path.join(pack, "dist/index.cjs"), "utf8");
    expect(code).toMatch(/new import_policy\d*\.PolicyPack\("mcp-auth-guardrails"/);
    const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!).filter((m) => !m.startsWith("node:")));
    expect([...required].filter((m) => !["@pulumi/policy", "@pulumi/pulumi", ...builtinModules].includes(m))).toEqual([]);
    expect(code).toContain("sensitive-verbs-not-routine");
  });

  it("passes a plan compiled by the installed pulumi-mcp-auth", async () => {
    expect([...(await allViolations(component({ plan: crm() }))).keys()]).toEqual([]);
  });

  it("blocks a bad declaration's plan with the rule's mandatory policy", async () => {
    const d = toolkitCrm() as any;
    d.scopes["crm:customers:export"].sensitivity = "routine";
    const v = await allViolations(component({ plan: JSON.stringify(toolkit.compile(d)) }));
    expect(v.get("sensitive-verbs-not-routine")).toHaveLength(1);
    expect(policy("sensitive-verbs-not-routine").enforcementLevel).toBe("mandatory");
  });

  it("blocks a hand-edited plan.json that gives the DCR tier an export scope", async () => {
    const plan = crm();
    const dcr = plan.servers[0].access.find((a: { tier: string }) => a.tier === "dcr");
    dcr.scopes = [...dcr.scopes, "crm:customers:export"].sort();
    expect([...(await allViolations(component({ plan: JSON.stringify(plan) }))).keys()]).toEqual(["plan-derived-fields-consistent"]);
  });

  it("fails closed when an IdP component carries no plan", async () => {
    const v = await allViolations(component({}));
    expect(v.size).toBeGreaterThan(20);
    for (const messages of v.values()) expect(messages[0]).toMatch(/cannot be checked: it carries no plan input/);
  });

  it("blocks raw provider resources too", async () => {
    expect(await violations(policy("okta-auth-server-scope-no-omnibus"), { type: "okta:auth/serverScope:ServerScope", name: "s", props: { name: "crm:*", consent: "REQUIRED" } })).toHaveLength(1);
  });
});
