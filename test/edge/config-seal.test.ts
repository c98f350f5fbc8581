import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { V2Event } from "../../lambda/adapters/aws.js";
import { openSealedConfigs } from "../../lambda/config-seal.js";
import { sealEdgeConfig, sealEdgeConfigs } from "../../lambda/seal-config.js";
import { crmConfig, rsaKey } from "./helpers.js";

const key = rsaKey();
const event = (): V2Event => ({ rawPath: "/crm", rawQueryString: "", headers: { host: "mcp.example.com", "content-type": "application/json" }, body: "{}", isBase64Encoded: false, requestContext: { http: { method: "POST", sourceIp: "203.0.113.1" } } }) as V2Event;

/** Loads a fresh copy of the bundle with `config` as edge-config.json next to it. */
let bundleDir = "";
async function load(configText: string): Promise<{ httpApi: (e: V2Event) => Promise<{ statusCode: number }> }> {
  const dir = mkdtempSync(join(tmpdir(), "sealed-"));
  const { copyFileSync } = await import("node:fs");
  copyFileSync(join(bundleDir, "index.cjs"), join(dir, "index.cjs"));
  writeFileSync(join(dir, "edge-config.json"), configText);
  const { createRequire } = await import("node:module");
  return createRequire(import.meta.url)(join(dir, "index.cjs"));
}

describe("sealed edge configs (validated at deploy time, hash checked at cold start)", () => {
  beforeAll(async () => {
    const { buildEdgeBundle } = await import("../../lambda/build.js");
    bundleDir = mkdtempSync(join(tmpdir(), "sealed-bundle-"));
    await buildEdgeBundle({ outdir: bundleDir });
  }, 30_000);

  it("start a bundle that carries no validator and decide requests", async () => {
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(join(bundleDir, "index.cjs"), "utf8")).not.toContain("$ZodType");
    const mod = await load(JSON.stringify(sealEdgeConfigs([crmConfig([key])])));
    expect((await mod.httpApi(event())).statusCode).toBe(401);
  });

  it("fail the cold start when a sealed config was edited by hand, naming the server", async () => {
    const [sealed] = sealEdgeConfigs([crmConfig([key])]);
    const edited = { ...sealed!, maxTokenAgeSeconds: { ...sealed!.maxTokenAgeSeconds, critical: 86_400 } };
    await expect(load(JSON.stringify([edited]))).rejects.toThrow(/server 'crm' was changed after it was validated/);
  });

  it("fail the cold start of a bundle given an unsealed config: nothing reaches the edge unvalidated", async () => {
    await expect(load(JSON.stringify([crmConfig([key])]))).rejects.toThrow(/accepts only sealed configs/);
  });

  it("are validated when sealed: an invalid config cannot be sealed", () => {
    expect(() => sealEdgeConfig({ ...crmConfig([key]), clockToleranceSeconds: 3600 })).toThrow(/clockToleranceSeconds/);
  });

  it("open to the config that was validated, without the seal member", () => {
    const cfg = crmConfig([key]);
    const opened = openSealedConfigs(JSON.parse(JSON.stringify(sealEdgeConfigs([cfg])))) as unknown[];
    expect(opened).toEqual([JSON.parse(JSON.stringify(cfg))]);
  });
});
