import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ParamHasher, sanitizeParams, verifyAuditChain, type AuditRecord } from "../../lambda/core/audit.js";
import { keySigner, type Checkpoint } from "../../lambda/core/checkpoint.js";
import { bearer, call, crmConfig, harness, mint, NOW_MS, post, rsaKey } from "./helpers.js";

const key = rsaKey();
const signing = generateKeyPairSync("ec", { namedCurve: "P-256" });
const HMAC_KEY = "k".repeat(32);

/** An edge writing checkpoints every `every` records into an in-memory checkpoint log. */
function checkpointed(every = 3, opts: { chain?: string; defer?: boolean; clock?: { ms: number }; signer?: ReturnType<typeof keySigner> } = {}) {
  const cps: string[] = [];
  const h = harness([crmConfig([key])], {
    auditChainId: opts.chain ?? "chain-a",
    auditHmacKey: HMAC_KEY,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.defer ? { deferAudit: true } : {}),
    checkpoints: { signer: opts.signer ?? keySigner(signing.privateKey), sink: (line) => void cps.push(line), every },
  });
  return { ...h, cps };
}

async function requests(edge: ReturnType<typeof harness>["edge"], n: number) {
  const t = mint(key);
  for (let i = 0; i < n; i++) await edge.handle(post(call("list_customers", { query: `acme ${i}` }), bearer(t)));
}

/** Rewrites a chain the way someone who can edit the log would: change records, recompute every link. */
function rewrite(lines: string[], edit: (r: AuditRecord) => void): string[] {
  let prev = "genesis";
  return lines.map((l) => {
    const r = JSON.parse(l) as AuditRecord;
    edit(r);
    r.prev = prev;
    const line = JSON.stringify(r);
    prev = createHash("sha256").update(line).digest("base64url");
    return line;
  });
}

const keys = [signing.publicKey];

describe("argument values in audit records", () => {
  it("are keyed hashes: a guessable id cannot be recovered by hashing candidates", () => {
    const h = new ParamHasher(HMAC_KEY);
    const v = sanitizeParams({ customer: "cus_4711" }, h)!.customer!;
    const plain = createHash("sha256").update("cus_4711").digest("base64url");
    expect(v).toMatch(/^hmac:[\w-]{22}$/);
    expect(v).not.toContain(plain.slice(0, 16));
    // Equal under the same deployment key (correlation across instances), different under another.
    expect(sanitizeParams({ customer: "cus_4711" }, new ParamHasher(HMAC_KEY))!.customer).toBe(v);
    expect(sanitizeParams({ customer: "cus_4711" }, new ParamHasher("z".repeat(32)))!.customer).not.toBe(v);
  });

  it("refuses a deployment key shorter than 32 bytes", () => {
    expect(() => harness([crmConfig([key])], { auditHmacKey: "short" })).toThrow(/at least 32 bytes/);
  });
});

describe("signed audit checkpoints", () => {
  it("registers the chain, checkpoints every N records and on flush, and verifies with the public key", async () => {
    const { edge, lines, cps } = checkpointed(3);
    await requests(edge, 7);
    await edge.flush();
    const parsed = cps.map((l) => JSON.parse(l) as Checkpoint);
    expect(parsed.map((c) => [c.reason, c.seq, c.cseq])).toEqual([["start", -1, 0], ["interval", 2, 1], ["interval", 5, 2], ["flush", 6, 3]]);
    expect(parsed[1]!.head).toBe(createHash("sha256").update(lines[2]!).digest("base64url"));
    expect(verifyAuditChain(lines, { checkpoints: cps, keys })).toMatchObject({ ok: true, records: 7, chains: 1, checkpoints: 4, signaturesChecked: true, unsealed: [] });
  });

  it("reports an edited record even when the whole chain was recomputed", async () => {
    const { edge, lines, cps } = checkpointed(3);
    await requests(edge, 6);
    await edge.flush();
    const forged = rewrite(lines, (r) => {
      if (r.seq === 1) r.decision = "deny";
    });
    expect(verifyAuditChain(forged).ok).toBe(true); // the hash chain alone cannot tell
    const res = verifyAuditChain(forged, { checkpoints: cps, keys });
    expect(res.ok).toBe(false);
    expect(res.problems).toContainEqual(expect.objectContaining({ problem: "edited", seq: 2, file: "checkpoints" }));
  });

  it("reports a cut tail as truncation", async () => {
    const { edge, lines, cps } = checkpointed(3);
    await requests(edge, 7);
    await edge.flush();
    const res = verifyAuditChain(lines.slice(0, 4), { checkpoints: cps, keys });
    expect(res.problems).toContainEqual(expect.objectContaining({ problem: "truncated", seq: 5 }));
    expect(res.problems).toContainEqual(expect.objectContaining({ problem: "truncated", seq: 6 }));
  });

  it("reports a whole chain removed from the log, and a chain no checkpoint registered", async () => {
    const a = checkpointed(3, { chain: "chain-a" });
    const b = checkpointed(3, { chain: "chain-b" });
    await requests(a.edge, 2);
    await requests(b.edge, 2);
    const cps = [...a.cps, ...b.cps];
    expect(verifyAuditChain([...a.lines, ...b.lines], { checkpoints: cps, keys }).ok).toBe(true);
    expect(verifyAuditChain(a.lines, { checkpoints: cps, keys }).problems).toEqual([expect.objectContaining({ problem: "missing_chain", chain: "chain-b" })]);
    expect(verifyAuditChain([...a.lines, ...b.lines], { checkpoints: a.cps, keys }).problems).toEqual([expect.objectContaining({ problem: "unregistered_chain", chain: "chain-b" })]);
  });

  it("reports a checkpoint removed from the checkpoint log, and records left too long without one", async () => {
    const { edge, lines, cps } = checkpointed(2);
    await requests(edge, 9);
    const dropped = [cps[0]!, ...cps.slice(2)];
    expect(verifyAuditChain(lines, { checkpoints: dropped, keys }).problems).toContainEqual(expect.objectContaining({ problem: "missing_checkpoint", file: "checkpoints" }));
    const res = verifyAuditChain(lines, { checkpoints: cps.slice(0, 2), keys });
    expect(res.problems).toContainEqual(expect.objectContaining({ problem: "missing_checkpoint", seq: 2 }));
    expect(res.unsealed).toEqual([{ chain: "chain-a", from: 2, to: 8 }]);
  });

  it("reports a checkpoint signed with another key", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { edge, lines, cps } = checkpointed(3, { signer: keySigner(other.privateKey) });
    await requests(edge, 3);
    const res = verifyAuditChain(lines, { checkpoints: cps, keys });
    expect(res.problems.filter((p) => p.problem === "bad_signature")).toHaveLength(2);
    expect(verifyAuditChain(lines, { checkpoints: cps, keys: [other.publicKey] }).ok).toBe(true);
  });

  it("reports a checkpoint whose signed fields were changed", async () => {
    const { edge, lines, cps } = checkpointed(3);
    await requests(edge, 3);
    const forged = rewrite(lines, (r) => {
      if (r.seq === 0) r.user = "mallory";
    });
    const head = createHash("sha256").update(forged[2]!).digest("base64url");
    const cps2 = cps.map((l) => {
      const c = JSON.parse(l) as Checkpoint;
      return c.seq === 2 ? JSON.stringify({ ...c, head }) : l;
    });
    expect(verifyAuditChain(forged, { checkpoints: cps2, keys }).problems).toContainEqual(expect.objectContaining({ problem: "bad_signature", seq: 2 }));
  });
});

describe("audit work after the response", () => {
  it("queues records until afterResponse, keeping each decision's time, then chains and checkpoints them", async () => {
    const clock = { ms: NOW_MS };
    const { edge, lines, cps, audit } = checkpointed(2, { defer: true, clock });
    const t = mint(key);
    expect((await edge.handle(post(call("list_customers"), bearer(t)))).status).toBe(200);
    clock.ms += 1500;
    expect((await edge.handle(post(call("delete_customer", { id: 1 }), bearer(t)))).status).toBe(403);
    expect(lines).toHaveLength(0);
    await edge.afterResponse();
    expect(audit.map((r) => [r.seq, r.ts, r.decision])).toEqual([
      [0, "2026-11-23T12:00:00.000Z", "allow"],
      [1, "2026-11-23T12:00:01.500Z", "deny"],
    ]);
    expect(cps.map((l) => (JSON.parse(l) as Checkpoint).seq)).toEqual([-1, 1]);
    expect(verifyAuditChain(lines, { checkpoints: cps, keys }).ok).toBe(true);
    // Argument values are hashed after the response too, before any line is written.
    expect(audit[1]!.params).toEqual({ id: sanitizeParams({ id: 1 }, new ParamHasher(HMAC_KEY))!.id });
    expect(audit[1]!.params!.id).toMatch(/^hmac:/);
  });

  it("writes a checkpoint when records stayed unsealed past the maximum age", async () => {
    const clock = { ms: NOW_MS };
    const cps: string[] = [];
    const { edge } = harness([crmConfig([key])], { clock, checkpoints: { signer: keySigner(signing.privateKey), sink: (l) => void cps.push(l), every: 100, maxAgeSeconds: 60 } });
    await requests(edge, 2);
    await edge.afterResponse();
    expect(cps).toHaveLength(1);
    clock.ms += 61_000;
    await requests(edge, 1);
    await edge.afterResponse();
    expect(cps.map((l) => (JSON.parse(l) as Checkpoint).reason)).toEqual(["start", "time"]);
  });

  it("logs a checkpoint that cannot be written, then registers the chain before its next checkpoint", async () => {
    const cps: string[] = [];
    let fail = true;
    const { edge, logs, lines } = harness([crmConfig([key])], {
      checkpoints: { signer: keySigner(signing.privateKey), every: 2, sink: (l) => { if (fail) throw new Error("log group unreachable"); cps.push(l); } },
    });
    await requests(edge, 1);
    await edge.afterResponse();
    expect(logs).toContainEqual(expect.objectContaining({ level: "error", event: "audit_checkpoint_failed" }));
    fail = false;
    await requests(edge, 2);
    await edge.flush();
    // The start that failed is written before the next checkpoint: the chain is registered, nothing looks removed.
    expect(cps.map((l) => JSON.parse(l) as Checkpoint).map((c) => [c.cseq, c.reason, c.seq])).toEqual([[0, "start", -1], [1, "interval", 1], [2, "flush", 2]]);
    expect(verifyAuditChain(lines, { checkpoints: cps, keys })).toMatchObject({ ok: true });
  });
});
