import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import { fetchJwksSnapshot, withJwksSnapshots } from "../../../components/targets/aws/archive.js";
import { metadataUrlFor, rebase, resourcePath } from "../../../components/targets/aws/urls.js";
import { awsState, crmConfig, fakeBundle } from "./fixtures.js";
import { installMocks, promiseOf } from "../../support/pulumi-mocks.js";
import type * as pulumi from "@pulumi/pulumi";

/** A loopback JWKS endpoint whose answer each test chooses. */
let server: Server;
let base: string;
let answer: { status: number; body: string } = { status: 200, body: "{}" };
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const privateJwk = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }) as Record<string, unknown>;

describe("the deploy-time JWKS snapshot", () => {
  it("keeps only public members, even when the IdP's JWKS leaks a private key", async () => {
    const leaked: Record<string, unknown> = { ...privateJwk(), kid: "k1", use: "sig" };
    answer = { status: 200, body: JSON.stringify({ keys: [leaked, { kty: "oct", k: "c2VjcmV0" }] }) };
    const snap = await fetchJwksSnapshot(`${base}/keys`);
    expect(snap.keys).toHaveLength(1);
    expect(snap.keys[0]).toEqual({ kty: "EC", crv: "P-256", x: leaked.x, y: leaked.y, kid: "k1", use: "sig" });
  });

  it("fails the deployment on a non-2xx answer, a body without keys, or no usable key", async () => {
    answer = { status: 503, body: "{}" };
    await expect(fetchJwksSnapshot(`${base}/keys`)).rejects.toThrowError(`JWKS snapshot: ${base}/keys answered HTTP 503`);
    answer = { status: 200, body: '{"issuer":"x"}' };
    await expect(fetchJwksSnapshot(`${base}/keys`)).rejects.toThrowError(/has no "keys" array/);
    answer = { status: 200, body: '{"keys":[{"kty":"oct","k":"eA"}]}' };
    await expect(fetchJwksSnapshot(`${base}/keys`)).rejects.toThrowError(/holds no public signing key/);
  });

  it("adds the snapshot to every config, fetching each JWKS URI once", async () => {
    const pub: Record<string, unknown> = { ...privateJwk(), kid: "k2" };
    delete pub.d;
    answer = { status: 200, body: JSON.stringify({ keys: [pub] }) };
    hits = 0;
    const uri = `${base}/oauth2/v1/keys`;
    const out = await withJwksSnapshots([crmConfig("crm", { jwksUri: uri }), crmConfig("crm-admin", { jwksUri: uri })]);
    expect(hits).toBe(1);
    expect(out.map((c) => c.jwks?.keys[0]?.kid)).toEqual(["k2", "k2"]);
  });
});

describe("McpEdge with jwksSnapshot", () => {
  it("ships the issuer's public keys inside edge-config.json, so a cold start needs no network", async () => {
    await installMocks({ state: awsState });
    const { McpEdge } = await import("../../../components/targets/aws/index.js");
    const pub: Record<string, unknown> = { ...privateJwk(), kid: "k3" };
    delete pub.d;
    answer = { status: 200, body: JSON.stringify({ keys: [pub] }) };
    const edge = new McpEdge("snap", { servers: [{ name: "crm", edgeConfig: crmConfig("crm", { jwksUri: `${base}/v1/keys` }) }], bundleFile: fakeBundle(), jwksSnapshot: true });
    const assets = await (await promiseOf(edge.archive, 30_000)).assets;
    const shipped = JSON.parse((await (assets["edge-config.json"] as pulumi.asset.StringAsset).text) as string);
    expect(shipped[0].jwks).toEqual({ keys: [pub] });
  });
});

describe("URL arithmetic", () => {
  it("inserts the well-known suffix between host and path (RFC 9728 §3.1)", () => {
    expect(metadataUrlFor("https://mcp.example.com/crm")).toBe("https://mcp.example.com/.well-known/oauth-protected-resource/crm");
    expect(metadataUrlFor("https://mcp.example.com")).toBe("https://mcp.example.com/.well-known/oauth-protected-resource");
    expect(metadataUrlFor("https://mcp.example.com:8443/a/b")).toBe("https://mcp.example.com:8443/.well-known/oauth-protected-resource/a/b");
  });

  it("rebases a resource onto a generated host, keeping its path", () => {
    expect(rebase("https://mcp.example.com/crm-admin", "https://abc.lambda-url.eu-west-1.on.aws/")).toBe("https://abc.lambda-url.eu-west-1.on.aws/crm-admin");
    expect(resourcePath("https://mcp.example.com")).toBe("");
  });
});
