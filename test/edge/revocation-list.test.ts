import { describe, expect, it } from "vitest";
import { RevocationList, revokedBy } from "../../lambda/core/revocation-list.js";
import { TokenError } from "../../lambda/core/verify.js";

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const jws = (payload: Record<string, unknown>) => `${b64({ alg: "RS256" })}.${b64(payload)}.sig`;

function listServing(bodies: Array<unknown | Error>) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push(`${url} ${String((init.headers as Record<string, string>)["authorization"]).slice(0, 6)}`);
    const next = bodies.length > 1 ? bodies.shift() : bodies[0];
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify(next), { status: 200, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
  const list = new RevocationList({ endpoint: "https://front.example/revocations", clientId: "edge", cacheSeconds: 10, windowSeconds: 3900 }, "secret", fetchImpl);
  return { list, calls };
}

const reason = async (p: Promise<unknown>) => {
  try {
    await p;
    return "accepted";
  } catch (e) {
    return e instanceof TokenError ? e.reason : String(e);
  }
};

describe("the edge's revocation list", () => {
  it("matches user, client and grant records against tokens issued at or before the record", () => {
    const entries = [
      { kind: "user" as const, id: "u1", at: 100 },
      { kind: "client" as const, id: "c1", at: 200 },
      { kind: "grant" as const, id: "g1", at: 300 },
    ];
    expect(revokedBy(entries, { sub: "u1", iat: 100 })?.kind).toBe("user");
    expect(revokedBy(entries, { sub: "u1", iat: 101 })).toBeUndefined();
    expect(revokedBy(entries, { clientId: "c1", iat: 150 })?.kind).toBe("client");
    expect(revokedBy(entries, { grantId: "g1", iat: 299 })?.kind).toBe("grant");
    expect(revokedBy(entries, { sub: "u2", clientId: "c2", grantId: "g2", iat: 1 })).toBeUndefined();
  });

  it("refuses a revoked token, reading the gid claim only for grant records, and asks with client_secret_basic", async () => {
    const { list, calls } = listServing([{ revocations: [{ kind: "grant", id: "g1", at: 1000 }] }]);
    expect(await reason(list.check(jws({ gid: "g1" }), { sub: "u", clientId: "c", iat: 999 }, 1_000_000))).toBe("revoked");
    expect(await reason(list.check(jws({ gid: "g2" }), { sub: "u", clientId: "c", iat: 999 }, 1_000_000))).toBe("accepted");
    expect(calls).toEqual(["https://front.example/revocations?since=-2900 Basic "]);
  });

  it("re-reads the list only after cacheSeconds: a revocation is seen within that bound", async () => {
    const { list, calls } = listServing([{ revocations: [] }, { revocations: [{ kind: "user", id: "u", at: 50 }] }]);
    const token = jws({});
    expect(await reason(list.check(token, { sub: "u", iat: 40 }, 100_000))).toBe("accepted");
    expect(await reason(list.check(token, { sub: "u", iat: 40 }, 109_999))).toBe("accepted");
    expect(calls.length).toBe(1);
    expect(await reason(list.check(token, { sub: "u", iat: 40 }, 110_000))).toBe("revoked");
    expect(calls.length).toBe(2);
  });

  it("fails closed when the list cannot be read once the cached copy is past its bound", async () => {
    const { list } = listServing([{ revocations: [] }, new Error("down")]);
    expect(await reason(list.check(jws({}), { sub: "u", iat: 1 }, 0))).toBe("accepted");
    expect(await reason(list.check(jws({}), { sub: "u", iat: 1 }, 10_000))).toBe("revocation_list_unavailable");
  });
});
