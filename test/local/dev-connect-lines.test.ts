import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDev } from "../../cli/commands/dev.js";
import type { CliIO } from "../../cli/io.js";
import type { DevStack } from "../../components/local/dev-stack.js";

/**
 * docs/local.md: the output of `dev` lists how to connect a client, as commands to paste: a
 * dynamically registering `claude mcp add` and one for the pre-registered `claude-code` client.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const AUDIT_DIR = mkdtempSync(path.join(tmpdir(), "dev-connect-"));
afterAll(() => rm(AUDIT_DIR, { recursive: true, force: true }));

describe("pulumi-mcp-auth dev's connect lines", () => {
  it("print both claude mcp add command lines of docs/local.md in full, with the running edge's URL", async () => {
    const out: string[] = [];
    const io: CliIO = { stdout: (t) => void out.push(t), stderr: () => undefined, cwd: ROOT, env: {} };
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let stack: DevStack | undefined;
    const args = ["stacks/crm/mcp-auth.ts", "--as-port", "0", "--edge-port", "0", "--demo-port", "0", "--audit-port", "0", "--audit-file", path.join(AUDIT_DIR, "audit.jsonl")];
    const code = runDev(args, io, stopped, (s) => {
      stack = s;
      stop();
    });
    expect(await code).toBe(0);
    const url = stack!.servers.find((s) => s.name === "crm")!.mcpUrl;
    const text = out.join("");
    expect(text).toContain(`claude mcp add --transport http crm ${url}`);
    expect(text).toContain(`claude mcp add --transport http --client-id claude-code --callback-port 33418 crm ${url}`);
  });
});
