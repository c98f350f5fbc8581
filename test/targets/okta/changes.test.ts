import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, type MockHarness } from "../../support/pulumi-mocks.js";
import { CRM_ARGS, OKTA_MOCKS, crmDeclarations } from "./fixture.js";

let mocks: MockHarness;
let Okta: typeof import("../../../components/targets/okta/component.js");

beforeAll(async () => {
  mocks = await installMocks(OKTA_MOCKS);
  Okta = await import("../../../components/targets/okta/component.js");
});

type Decl = ReturnType<typeof crmDeclarations>;

/** Every custom resource one component creates, keyed by type and name without the component's prefix. */
async function provision(decl: Decl): Promise<Map<string, Record<string, unknown>>> {
  mocks.reset();
  const prefix = `p${Math.random().toString(36).slice(2, 8)}`;
  new Okta.OktaMcpAuth(prefix, { declarations: decl, ...CRM_ARGS, namePrefix: "crm" });
  const recorded = await mocks.settled();
  const strip = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(`${prefix}-`, "")) as Record<string, unknown>;
  return new Map(recorded.filter((r) => !r.type.startsWith("pulumi-mcp-auth:")).map((r) => [`${r.type} ${r.name.slice(prefix.length + 1)}`, strip(r.inputs)]));
}

/** Resources added, removed, and changed (with the changed input names) between two runs. */
function diff(a: Map<string, Record<string, unknown>>, b: Map<string, Record<string, unknown>>) {
  const changed: Record<string, string[]> = {};
  for (const [k, va] of a) {
    const vb = b.get(k);
    if (!vb) continue;
    const keys = [...new Set([...Object.keys(va), ...Object.keys(vb)])].filter((f) => JSON.stringify(va[f]) !== JSON.stringify(vb[f])).sort();
    if (keys.length > 0) changed[k.split(" ")[1]!] = keys;
  }
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).map((k) => k.split(" ")[1]),
    removed: [...a.keys()].filter((k) => !b.has(k)).map((k) => k.split(" ")[1]),
    changed,
  };
}

describe("OktaMcpAuth reacts to a declaration change with exactly the expected input changes", () => {
  it("shortening the high-sensitivity lifetime changes only the lifetime of rules listing high scopes", async () => {
    const before = await provision(crmDeclarations());
    const d = crmDeclarations();
    d.tokens!.accessTokenMinutes = { routine: 60, high: 10, critical: 5 };
    const after = await provision(d);
    expect(diff(before, after)).toEqual({
      added: [],
      removed: [],
      changed: {
        "crm-verified-r1": ["accessTokenLifetimeMinutes"],
        "crm-verified-r2": ["accessTokenLifetimeMinutes"],
        "crm-verified-r6": ["accessTokenLifetimeMinutes"],
        "crm-verified-r7": ["accessTokenLifetimeMinutes"],
      },
    });
    expect(after.get("okta:auth/serverPolicyRule:ServerPolicyRule crm-verified-r1")!.accessTokenLifetimeMinutes).toBe(10);
  });

  it("shortening one tier's routine lifetime changes only that tier's rule", async () => {
    const before = await provision(crmDeclarations());
    const d = crmDeclarations();
    d.tiers.agent!.tokens = { accessTokenMinutes: { routine: 10 } };
    const after = await provision(d);
    expect(diff(before, after)).toEqual({ added: [], removed: [], changed: { "crm-agent-r1": ["accessTokenLifetimeMinutes"] } });
  });

  it("capping the verified tier at high removes its critical rules on the admin server and nothing else", async () => {
    const before = await provision(crmDeclarations());
    const d = crmDeclarations();
    d.tiers.verified!.maxSensitivity = "high";
    const after = await provision(d);
    expect(diff(before, after)).toEqual({
      added: [],
      removed: ["crm-admin-verified-r2", "crm-admin-verified-r3"],
      changed: {
        // The policy description states the tier's cap.
        "crm-verified": ["description"],
        "crm-admin-verified": ["description"],
        // r1 was the critical rule (no refresh); it becomes the routine one, which may refresh.
        "crm-admin-verified-r1": ["accessTokenLifetimeMinutes", "name", "refreshTokenLifetimeMinutes", "refreshTokenWindowMinutes", "scopeWhitelists"],
      },
    });
    expect(after.get("okta:auth/serverPolicyRule:ServerPolicyRule crm-admin-verified-r1")).toMatchObject({
      accessTokenLifetimeMinutes: 60,
      scopeWhitelists: ["crm:billing:read", "crm:settings:read", "offline_access"],
    });
  });
});

describe("OktaMcpAuth construction", () => {
  it("parents every resource it creates under itself (seen by a transformation inherited from the component)", async () => {
    mocks.reset();
    const seen: Array<{ type: string; parent: pulumi.Resource | undefined }> = [];
    new Okta.OktaMcpAuth("parented", { declarations: crmDeclarations(), ...CRM_ARGS }, {
      transformations: [(a) => (seen.push({ type: a.type, parent: a.opts.parent }), undefined)],
    });
    const recorded = await mocks.settled();
    // The transformation sees the component itself (no parent in a mock run) and every descendant.
    expect(seen).toHaveLength(recorded.length);
    const children = seen.filter((s) => s.type !== "pulumi-mcp-auth:okta:McpAuth");
    expect(children).toHaveLength(recorded.length - 1);
    expect(children.every((s) => s.parent !== undefined)).toBe(true);
  });

  it("validates before creating anything and reports every problem with its field", async () => {
    mocks.reset();
    const d = crmDeclarations();
    d.tiers.verified!.grantTypes = ["authorization_code", "password"];
    expect(() => new Okta.OktaMcpAuth("invalid", { declarations: d })).toThrowError(
      /2 problems:\n {2}- plan\.tiers\.agent\.clients\["nightly-digest"\]\.jwksUri: private_key_jwt needs .*\n {2}- plan\.tiers\.verified\.grantTypes: OAuth 2\.1 removed the 'password' grant/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(mocks.resources).toEqual([]);
  });

  it("uses given group ids instead of looking groups up", async () => {
    mocks.reset();
    new Okta.OktaMcpAuth("ids", {
      declarations: crmDeclarations(),
      ...CRM_ARGS,
      groupIds: { "crm-admins": "00g-admins", "sales-ops": "00g-ops", "sales-reps": "00g-reps" },
    });
    const recorded = await mocks.settled();
    expect(mocks.calls).toEqual([]);
    const groups = new Set(recorded.filter((r) => r.type === "okta:auth/serverPolicyRule:ServerPolicyRule").flatMap((r) => r.inputs.groupWhitelists as string[]));
    expect([...groups].sort()).toEqual(["00g-admins", "00g-ops", "00g-reps", "EVERYONE"]);
  });
});
