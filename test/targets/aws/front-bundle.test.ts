import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFrontBundle } from "../../../components/front/aws/build.js";
import { compile } from "../../../components/plan/compile.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { coldStartScript } from "../../../bench/front-cold-start.js";

describe("the front's Lambda bundle", () => {
  it("is one CommonJS file with the DynamoDB and Secrets Manager clients inside that answers discovery with the issuer from its secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "front-bundle-"));
    const { file, bytes } = await buildFrontBundle({ outdir: dir });
    const text = readFileSync(file, "utf8");
    expect(text.startsWith('"use strict";')).toBe(true);
    // The SDK clients the front uses are bundled (tree-shaken ES builds): nothing to resolve at cold start.
    // (The SDK's optional CRT signer is required inside a try, as in the SDK itself.)
    const sdkRequires = [...text.matchAll(/require\("(@aws-sdk\/[^"]+|@smithy\/[^"]+)"\)/g)].map((m) => m[1]).filter((p) => p !== "@aws-sdk/signature-v4-crt");
    expect(sdkRequires).toEqual([]);
    expect(text.includes("dynalite")).toBe(false);
    // zod's classic API tree-shaken (no locales), mime-db reduced to what the front can observe (mime-subset.ts).
    expect(text.includes("Ungültige Eingabe")).toBe(false);
    expect(text.includes('"application/vnd.3gpp.pic-bw-large"')).toBe(false);
    expect(text.includes('"application/x-www-form-urlencoded"')).toBe(true);
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    const script = coldStartScript(dir, file, compile(crm));
    // No NODE_PATH: the bundle needs no node_modules.
    const env = { ...process.env };
    delete env["NODE_PATH"];
    const out = execFileSync(process.execPath, [script], { encoding: "utf8", env, cwd: dir });
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as { status: number; issuer: string; dynamoClient: boolean };
    expect(r).toMatchObject({ status: 200, issuer: "https://auth.example.com", dynamoClient: true });
  }, 120_000);
});
