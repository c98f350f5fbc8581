import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../../components/local/dev-stack.js";
import { crmPlan } from "../local/fixtures.js";

/**
 * docs/local.md, "The audit log and the audit surface": the audit file's directory is created with
 * mode 0700 and the file with mode 0600 (the records name users, clients and tools), and each run
 * appends a new chain to the file.
 */
describe("the local stack's audit file", () => {
  let root: string;
  let file: string;
  let stack: DevStack | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "dev-audit-modes-"));
    file = path.join(root, "new-dir", "audit.jsonl");
  });
  afterAll(async () => {
    await stack?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function unauthenticatedCall(s: DevStack): Promise<void> {
    const res = await fetch(s.servers[0]!.mcpUrl, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
  }

  it("is created mode 0600 in a directory created mode 0700, and each run appends a new chain", async () => {
    stack = await startDevStack({ plan: crmPlan(), auditFile: file });
    await unauthenticatedCall(stack);
    await stack.close();
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { chain: string; seq: number; decision: string });
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).toMatchObject({ seq: 0, decision: "deny" });

    stack = await startDevStack({ plan: crmPlan(), auditFile: file });
    await unauthenticatedCall(stack);
    await stack.close();
    stack = undefined;
    const all = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { chain: string; seq: number });
    expect(all.slice(0, first.length)).toEqual(first);
    const second = all.slice(first.length);
    expect(second[0]!.seq).toBe(0);
    expect(second[0]!.chain).not.toBe(first[0]!.chain);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
