import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { describe, expect, it } from "vitest";
import { invokeListener } from "../../../components/front/aws/adapter.js";
import { functionUrlEvent } from "./front-events.js";

describe("the front's Lambda adapter (Function URL event → node request listener)", () => {
  it("passes method, path, query, headers, cookies, body and source address, and returns status, headers, cookies and body", async () => {
    let seen: Record<string, unknown> = {};
    const result = await invokeListener((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen = { method: req.method, url: req.url, type: req.headers["content-type"], cookie: req.headers["cookie"], body: Buffer.concat(chunks).toString(), ip: req.socket.remoteAddress };
        res.statusCode = 201;
        res.setHeader("content-type", "application/json");
        res.setHeader("set-cookie", ["a=1; Path=/; HttpOnly", "b=2; Path=/"]);
        res.setHeader("cache-control", "no-store");
        res.end(JSON.stringify({ ok: true, text: "héllo" }));
      });
    }, functionUrlEvent("POST", "/reg?x=1&y=2", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=b&c=d", cookies: ["s=1", "t=2"], sourceIp: "203.0.113.5" }));
    expect(seen).toEqual({ method: "POST", url: "/reg?x=1&y=2", type: "application/x-www-form-urlencoded", cookie: "s=1; t=2", body: "a=b&c=d", ip: "203.0.113.5" });
    expect(result).toMatchObject({ statusCode: 201, cookies: ["a=1; Path=/; HttpOnly", "b=2; Path=/"], isBase64Encoded: false });
    expect(result.headers).toMatchObject({ "content-type": "application/json", "cache-control": "no-store" });
    expect(JSON.parse(result.body ?? "")).toEqual({ ok: true, text: "héllo" });
  });

  it("decodes a base64 request body and returns binary responses base64-encoded", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const result = await invokeListener((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.setHeader("content-type", "application/octet-stream");
        res.write(Buffer.concat(chunks));
        res.end(Buffer.from([7]));
      });
    }, functionUrlEvent("PUT", "/bin", { body: bytes }));
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body ?? "", "base64")).toEqual(Buffer.concat([bytes, Buffer.from([7])]));
  });

  it("serves oidc-provider (a Koa app) unchanged, with endpoints on the issuer's origin: discovery and an RFC 6749 token error", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const provider = new Provider("https://front.example.com", {
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "k", alg: "RS256", use: "sig" }] },
      clients: [{ client_id: "app", token_endpoint_auth_method: "none", grant_types: ["authorization_code"], response_types: ["code"], redirect_uris: ["https://app.example/cb"] }],
      features: { devInteractions: { enabled: false } },
    } as ConstructorParameters<typeof Provider>[1]);
    provider.proxy = true;
    const listener = provider.callback();
    const discovery = await invokeListener(listener, functionUrlEvent("GET", "/.well-known/openid-configuration", { headers: { host: "evil.example", "x-forwarded-host": "evil.example" } }), { publicOrigin: "https://front.example.com" });
    expect(discovery.statusCode).toBe(200);
    expect(JSON.parse(discovery.body ?? "")).toMatchObject({ issuer: "https://front.example.com", token_endpoint: "https://front.example.com/token" });
    const token = await invokeListener(listener, functionUrlEvent("POST", "/token", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&code=nope&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier=" + "a".repeat(43) }), { publicOrigin: "https://front.example.com" });
    expect(token.statusCode).toBe(400);
    expect(JSON.parse(token.body ?? ""), token.body).toMatchObject({ error: "invalid_grant" });
  });
});
