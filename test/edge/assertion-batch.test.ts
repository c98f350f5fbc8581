import { createHash, generateKeyPairSync } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEdge, type LocalEdge } from "../../lambda/adapters/local.js";
import { parseEdgeConfig } from "../../lambda/config.js";
import { createAssertionSigner } from "../../lambda/core/assertion.js";
import { AssertionBatcher, BATCH_MAX, leafHash, merkleTree, nodeHash, rootFromProof } from "../../lambda/core/assertion-batch.js";
import { verifyEdgeAssertion } from "../../lambda/upstream.js";
import { bearer, call, crmConfig, harness, mint, NOW, NOW_MS, post, rsaKey, startUpstream } from "./helpers.js";

/** Batched identity assertions: one signature over a Merkle tree of one event-loop turn's assertions (RFC 9162 §2.1). */

/** RFC 9162 §2.1.1 Merkle Tree Hash, written straight from the definition (the reference the tree code is compared with). */
function mth(data: Buffer[]): Buffer {
  const sha = (...b: Buffer[]) => createHash("sha256").update(Buffer.concat(b)).digest();
  if (data.length === 1) return sha(Buffer.from([0]), data[0]!);
  let k = 1;
  while (k * 2 < data.length) k *= 2;
  return sha(Buffer.from([1]), mth(data.slice(0, k)), mth(data.slice(k)));
}

const part = (jws: string, i: number) => jws.split(".")[i]!;
const headerOf = (jws: string) => JSON.parse(Buffer.from(part(jws, 0), "base64url").toString()) as Record<string, unknown> & { mcp_batch: { n: number; i: number; path: string[] } };
const encodeHeader = (h: unknown) => Buffer.from(JSON.stringify(h)).toString("base64url");

const ISS = "https://mcp.example.com/crm";
const AUD = "http://127.0.0.1:1/mcp";

function claimsFor(body: string): Record<string, unknown> {
  return { iss: ISS, aud: AUD, sub: "alice", client_id: "c1", mcp_server: "crm", htm: "POST", mcp_method: "tools/call", mcp_name: "list_customers", body_sha256: createHash("sha256").update(body).digest("base64url") };
}

/** `count` assertions asked for in one turn, with the signer's signature calls counted. */
async function oneTurn(count: number, key = generateKeyPairSync("ed25519").privateKey) {
  const signer = createAssertionSigner(key, "k1");
  let signatures = 0;
  const counted = { ...signer, signBytes: (d: Buffer) => (signatures++, signer.signBytes(d)) };
  // No wait bound: on a slow machine asking for many assertions could outlast the default bound.
  const batcher = new AssertionBatcher(counted, { maxWaitMs: 1000 });
  const bodies = Array.from({ length: count }, (_, i) => JSON.stringify(call("list_customers", { page: i }, i)));
  const assertions = await Promise.all(bodies.map((b) => batcher.sign(claimsFor(b), NOW, 60)));
  return { signer, bodies, assertions, signatures: () => signatures, batcher };
}

const check = (signer: { jwks: { keys: object[] } }, body: string) => ({ key: createLocalJWKSet(signer.jwks as never), issuer: ISS, audience: AUD, method: "POST", body, currentDate: new Date(NOW_MS) });

describe("the batch tree", () => {
  it("computes the RFC 9162 tree hash, and every leaf's proof leads to it, for every size up to the batch limit", () => {
    for (let n = 1; n <= BATCH_MAX; n++) {
      const data = Array.from({ length: n }, (_, i) => Buffer.from(`payload-${n}-${i}`, "latin1"));
      const { root, paths } = merkleTree(data.map((d) => leafHash(d.toString("latin1"))));
      expect(root.equals(mth(data))).toBe(true);
      for (let i = 0; i < n; i++) {
        expect(paths[i]!.length).toBeLessThanOrEqual(6);
        expect(rootFromProof(leafHash(data[i]!.toString("latin1")), i, n, paths[i]!)?.equals(root)).toBe(true);
      }
    }
  });

  // The size is not always fixed by the proof alone (a left-subtree leaf has the same proof in trees of 9 to 16
  // leaves); the signed message carries it, which the "edited size" case below checks through the signature.
  it("refuses a proof used with another index, a dropped or an extra hash, or a size it cannot fit", () => {
    const leaves = Array.from({ length: 11 }, (_, i) => leafHash(`p${i}`));
    const { root, paths } = merkleTree(leaves);
    for (let i = 0; i < 11; i++) {
      for (let j = 0; j < 11; j++) if (j !== i) expect(rootFromProof(leaves[i]!, j, 11, paths[i]!)?.equals(root) ?? false).toBe(false);
      for (const n of [i + 1, 2, 4, 32]) if (n !== 11 && n > i) expect(rootFromProof(leaves[i]!, i, n, paths[i]!)?.equals(root) ?? false).toBe(false);
      expect(rootFromProof(leaves[i]!, i, 11, paths[i]!.slice(1))?.equals(root) ?? false).toBe(false);
      expect(rootFromProof(leaves[i]!, i, 11, [...paths[i]!, nodeHash(root, root)])?.equals(root) ?? false).toBe(false);
    }
    expect(rootFromProof(leaves[0]!, 11, 11, paths[0]!)).toBeUndefined();
    expect(rootFromProof(leaves[0]!, -1, 11, paths[0]!)).toBeUndefined();
  });
});

describe("batched assertions", () => {
  it("signs the assertions of one event-loop turn with one signature, each naming only its own request", async () => {
    const t = await oneTurn(20);
    expect(t.signatures()).toBe(1);
    expect(new Set(t.assertions.map((a) => part(a, 2))).size).toBe(1);
    for (let i = 0; i < 20; i++) {
      const claims = await verifyEdgeAssertion(t.assertions[i], check(t.signer, t.bodies[i]!));
      expect(claims.body_sha256).toBe(createHash("sha256").update(t.bodies[i]!).digest("base64url"));
      expect(headerOf(t.assertions[i]!)).toMatchObject({ alg: "EdDSA", kid: "k1", typ: "mcp-edge+jwt", crit: ["mcp_batch"], mcp_batch: { n: 20, i } });
      // Another request's body does not pass with this assertion.
      await expect(verifyEdgeAssertion(t.assertions[i], check(t.signer, t.bodies[(i + 1) % 20]!))).rejects.toThrow(/another body/);
    }
    expect(new Set(t.assertions.map((a) => JSON.parse(Buffer.from(part(a, 1), "base64url").toString()).jti)).size).toBe(20);
  });

  it("splits a turn of more than the batch limit into several signed batches", async () => {
    const t = await oneTurn(BATCH_MAX * 2 + 3);
    expect(t.signatures()).toBe(3);
    await Promise.all(t.assertions.map((a, i) => verifyEdgeAssertion(a, check(t.signer, t.bodies[i]!))));
  });

  it("signs at most `max` assertions per signature when given a smaller batch limit, and refuses a limit outside 1 to 64", async () => {
    const signer = createAssertionSigner(generateKeyPairSync("ed25519").privateKey, "k1");
    let signatures = 0;
    const batcher = new AssertionBatcher({ ...signer, signBytes: (d: Buffer) => (signatures++, signer.signBytes(d)) }, { max: 8, maxWaitMs: 1000 });
    const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify(call("list_customers", { page: i }, i)));
    const assertions = await Promise.all(bodies.map((b) => batcher.sign(claimsFor(b), NOW, 60)));
    expect(signatures).toBe(3);
    expect(assertions.map((a) => headerOf(a).mcp_batch.n)).toEqual([...Array(16).fill(8), 4, 4, 4, 4]);
    await Promise.all(assertions.map((a, i) => verifyEdgeAssertion(a, check(signer, bodies[i]!))));
    for (const max of [0, 65, 1.5]) expect(() => new AssertionBatcher(signer, { max })).toThrow(/max must be an integer from 1 to 64/);
  });

  it("signs a batch when the next request arrives after its first has waited `maxWaitMs`, so a long event-loop turn does not hold a request back", async () => {
    const signer = createAssertionSigner(generateKeyPairSync("ed25519").privateKey, "k1");
    let signatures = 0;
    const batcher = new AssertionBatcher({ ...signer, signBytes: (d: Buffer) => (signatures++, signer.signBytes(d)) }, { maxWaitMs: 2 });
    const body = JSON.stringify(call("list_customers", {}, 1));
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const settled: string[] = [];
    const ask = (tag: string) => batcher.sign(claimsFor(body), NOW, 60).then((a) => (settled.push(tag), a));
    const a = ask("a");
    const b = ask("b"); // within the bound: waits with a
    busy(3); // the rest of a long turn
    const c = ask("c"); // a has waited over 2 ms: a, b and c are signed now
    expect(signatures).toBe(1);
    const d = ask("d"); // opens the next batch, signed at the end of the turn
    expect(signatures).toBe(1);
    const all = await Promise.all([a, b, c, d]);
    expect(signatures).toBe(2);
    expect(all.map((x) => headerOf(x).mcp_batch.n)).toEqual([3, 3, 3, 1]);
    expect(settled).toEqual(["a", "b", "c", "d"]);
    for (const x of all) await expect(verifyEdgeAssertion(x, check(signer, body))).resolves.toMatchObject({ sub: "alice" });
    for (const maxWaitMs of [-1, Number.NaN, 1001]) expect(() => new AssertionBatcher(signer, { maxWaitMs })).toThrow(/maxWaitMs must be a number of milliseconds from 0 to 1000/);
  });

  it("signs a lone request as a batch of one, so an upstream that cannot read the format fails at once, not under load", async () => {
    const t = await oneTurn(1);
    expect(headerOf(t.assertions[0]!).mcp_batch).toEqual({ n: 1, i: 0, path: [] });
    await expect(verifyEdgeAssertion(t.assertions[0], check(t.signer, t.bodies[0]!))).resolves.toMatchObject({ sub: "alice" });
    // A JWT library that does not know the extension refuses it (RFC 7515 §4.1.11 crit), it does not misread it.
    await expect(jwtVerify(t.assertions[0]!, createLocalJWKSet(t.signer.jwks as never))).rejects.toThrow();
  });

  it("verifies ES256 batches, and refuses an algorithm the upstream does not allow", async () => {
    const t = await oneTurn(5, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    expect(headerOf(t.assertions[3]!).alg).toBe("ES256");
    await expect(verifyEdgeAssertion(t.assertions[3], check(t.signer, t.bodies[3]!))).resolves.toMatchObject({ mcp_name: "list_customers" });
    await expect(verifyEdgeAssertion(t.assertions[3], { ...check(t.signer, t.bodies[3]!), algorithms: ["EdDSA"] })).rejects.toThrow(/ERR_JOSE_ALG_NOT_ALLOWED/);
  });

  it("refuses a payload moved under another member's proof, an edited proof, size or index, and a foreign key", async () => {
    const t = await oneTurn(6);
    const [a0, a1] = [t.assertions[0]!, t.assertions[1]!];
    const c0 = check(t.signer, t.bodies[0]!);
    const swapped = `${part(a1, 0)}.${part(a0, 1)}.${part(a0, 2)}`;
    await expect(verifyEdgeAssertion(swapped, c0)).rejects.toThrow(/invalid edge assertion/);
    const h = headerOf(a0);
    const edits = [
      { ...h, mcp_batch: { ...h.mcp_batch, i: 1 } },
      { ...h, mcp_batch: { ...h.mcp_batch, n: 5 } },
      { ...h, mcp_batch: { ...h.mcp_batch, path: [...h.mcp_batch.path].reverse() } },
      { ...h, mcp_batch: { ...h.mcp_batch, path: h.mcp_batch.path.slice(1) } },
      { ...h, kid: "k2" },
      { ...h, crit: ["mcp_batch", "exp_plus"] },
      { ...h, typ: "JWT" },
    ];
    for (const e of edits) await expect(verifyEdgeAssertion(`${encodeHeader(e)}.${part(a0, 1)}.${part(a0, 2)}`, c0)).rejects.toThrow(/invalid edge assertion/);
    const other = createAssertionSigner(generateKeyPairSync("ed25519").privateKey, "k1");
    await expect(verifyEdgeAssertion(a0, { ...c0, key: createLocalJWKSet(other.jwks as never) })).rejects.toThrow(/invalid edge assertion/);
  });

  it("never lets a batch signature pass as the signature of an ordinary assertion", async () => {
    const t = await oneTurn(1);
    const a = t.assertions[0]!;
    const plainHeader = encodeHeader({ alg: "EdDSA", kid: "k1", typ: "mcp-edge+jwt" });
    await expect(verifyEdgeAssertion(`${plainHeader}.${part(a, 1)}.${part(a, 2)}`, check(t.signer, t.bodies[0]!))).rejects.toThrow(/ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });

  it("checks iss, aud and exp as for an ordinary assertion", async () => {
    const t = await oneTurn(3);
    const c = check(t.signer, t.bodies[2]!);
    await expect(verifyEdgeAssertion(t.assertions[2], { ...c, issuer: "https://mcp.example.com/other" })).rejects.toThrow(/ERR_JWT_CLAIM_VALIDATION_FAILED/);
    await expect(verifyEdgeAssertion(t.assertions[2], { ...c, audience: "http://other/mcp" })).rejects.toThrow(/ERR_JWT_CLAIM_VALIDATION_FAILED/);
    await expect(verifyEdgeAssertion(t.assertions[2], { ...c, currentDate: new Date(NOW_MS + 61_000) })).rejects.toThrow(/ERR_JWT_EXPIRED/);
  });

  it("is accepted by the edge config as upstreamAssertion \"batched\"", () => {
    const cfg = parseEdgeConfig({ ...crmConfig([rsaKey()]), upstreamAssertion: "batched" });
    expect(cfg.upstreamAssertion).toBe("batched");
  });

  it("fails the start of an edge given a batched config but no batch signer (as the Lambda entries are), naming the fix", () => {
    expect(() => harness([crmConfig([rsaKey()], { upstreamAssertion: "batched" })])).toThrow(/upstreamAssertion "batched" needs the batchAssertions option/);
  });
});

describe("a gateway with upstreamAssertion \"batched\"", () => {
  const key = rsaKey();
  const received: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
  let upstream: Server;
  let edge: LocalEdge;
  let upstreamUrl: string;

  beforeAll(async () => {
    ({ server: upstream, url: upstreamUrl } = await startUpstream((req, res, body) => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [] } }));
    }));
    edge = await startLocalEdge({ configs: [crmConfig([key], { upstream: upstreamUrl, upstreamAssertion: "batched" })], now: () => NOW_MS, audit: () => undefined, log: () => undefined });
  });
  afterAll(async () => {
    await edge.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it("forwards concurrent requests with assertions the upstream verifies against the edge JWKS", async () => {
    const token = mint(key, { scope: "crm:customers:read" });
    const bodies = Array.from({ length: 30 }, (_, i) => JSON.stringify(call("list_customers", { page: i }, i)));
    const res = await Promise.all(bodies.map((body) => fetch(`${edge.url}/crm`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" }, body })));
    expect(res.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const jwks = createLocalJWKSet((await (await fetch(`${edge.url}/.well-known/mcp-edge-jwks.json`)).json()) as { keys: [] });
    for (const r of received) {
      const claims = await verifyEdgeAssertion(r.headers["mcp-edge-assertion"] as string, { key: jwks, issuer: ISS, audience: upstreamUrl, method: "POST", body: r.body, currentDate: new Date(NOW_MS) });
      expect(claims).toMatchObject({ sub: expect.any(String), mcp_name: "list_customers", scope: "crm:customers:read" });
    }
    expect(received).toHaveLength(30);
  });
});

describe("the edge core with upstreamAssertion \"batched\"", () => {
  it("gives requests decided in the same event-loop turn one shared signature, and the next turn its own", async () => {
    const key = rsaKey();
    const h = harness([crmConfig([key], { upstreamAssertion: "batched" })], { batchAssertions: (signer) => new AssertionBatcher(signer, { maxWaitMs: 1000 }) });
    const token = mint(key, { scope: "crm:customers:read" });
    const bodies = Array.from({ length: 30 }, (_, i) => call("list_customers", { page: i }, i));
    const first = await Promise.all(bodies.map((b) => h.edge.handle(post(b, bearer(token)))));
    expect(first.map((r) => r.status)).toEqual(bodies.map(() => 200));
    await h.edge.handle(post(bodies[0], bearer(token)));
    const assertions = h.upstreamCalls.map((r) => r.headers.get("mcp-edge-assertion")!);
    expect(assertions).toHaveLength(31);
    expect(new Set(assertions.slice(0, 30).map((a) => part(a, 2))).size).toBe(1);
    expect(part(assertions[30]!, 2)).not.toBe(part(assertions[0]!, 2));
    const jwks = createLocalJWKSet(h.edge.assertionJwks as never);
    for (let i = 0; i < 30; i++) {
      const body = await h.upstreamCalls[i]!.text();
      await expect(verifyEdgeAssertion(assertions[i], { key: jwks, issuer: ISS, audience: "http://upstream.test/mcp", method: "POST", body, currentDate: new Date(NOW_MS) })).resolves.toMatchObject({ mcp_name: "list_customers" });
    }
  });
});
