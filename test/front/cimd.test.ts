import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCimdResolver, type CimdOptions } from "../../components/front/registration/cimd.js";
import { addressProblem } from "../../components/front/registration/address-policy.js";
import { cimdRefusal as refusal, crmPlan, docServer, json, tierOf, type DocServer } from "./registration-helpers.js";

const tier = tierOf(crmPlan(), "cimd");
let srv: DocServer;
beforeAll(async () => {
  srv = await docServer();
});
afterAll(async () => {
  await srv.close();
});

const devResolver = (extra: Partial<CimdOptions> = {}) => createCimdResolver(tier, { allowedDomains: tier.allowedDomains, allowLoopback: true, ...extra });
const doc = (path: string, extra: Record<string, unknown> = {}) => ({
  client_id: `${srv.origin}${path}`,
  client_name: "Example MCP client",
  redirect_uris: ["http://127.0.0.1/callback", "https://vscode.dev/redirect"],
  grant_types: ["authorization_code", "refresh_token"],
  token_endpoint_auth_method: "none",
  ...extra,
});


describe("client ID metadata documents: accepted", () => {
  it("returns the document as client metadata pinned to the CIMD tier", async () => {
    srv.route("/ok.json", json(doc("/ok.json", { logo_uri: "https://evil.example/logo.png", scope: "crm:billing:write" })));
    const meta = await devResolver().resolve(`${srv.origin}/ok.json`);
    expect(meta).toEqual({
      client_id: `${srv.origin}/ok.json`,
      client_name: "Example MCP client",
      redirect_uris: ["http://127.0.0.1/callback", "https://vscode.dev/redirect"],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "web",
    });
  });

  it("serves a document from its cache until max-age runs out, then fetches it again", async () => {
    let now = 1_800_000_000_000;
    srv.route("/cached.json", json(doc("/cached.json"), { "cache-control": "public, max-age=120" }));
    const r = devResolver({ now: () => now });
    await r.resolve(`${srv.origin}/cached.json`);
    await r.resolve(`${srv.origin}/cached.json`);
    now += 119_000;
    await r.resolve(`${srv.origin}/cached.json`);
    expect(srv.hits.get("/cached.json")).toBe(1);
    now += 2_000;
    await r.resolve(`${srv.origin}/cached.json`);
    expect(srv.hits.get("/cached.json")).toBe(2);
  });

  it("fetches a document once for concurrent first uses", async () => {
    srv.route("/burst.json", json(doc("/burst.json")));
    const r = devResolver();
    await Promise.all(Array.from({ length: 10 }, () => r.resolve(`${srv.origin}/burst.json`)));
    expect(srv.hits.get("/burst.json")).toBe(1);
  });
});

describe("client ID metadata documents: registration attempts", () => {
  it("reports each use the cache does not answer, accepted or refused, once per fetch", async () => {
    srv.route("/attempt.json", json(doc("/attempt.json")));
    srv.route("/attempt-bad.json", json(doc("/attempt-bad.json", { grant_types: ["refresh_token"] })));
    const attempts: Array<{ clientId: string; accepted: boolean; redirectHosts: string[]; reason?: string }> = [];
    const r = devResolver({ onAttempt: (a) => attempts.push(a) });
    await Promise.all([r.resolve(`${srv.origin}/attempt.json`), r.resolve(`${srv.origin}/attempt.json`)]);
    await r.resolve(`${srv.origin}/attempt.json`);
    await refusal(r.resolve(`${srv.origin}/attempt-bad.json`));
    await refusal(r.resolve("https://attacker.example/client.json"));
    expect(attempts).toEqual([
      { clientId: `${srv.origin}/attempt.json`, accepted: true, redirectHosts: ["127.0.0.1", "vscode.dev"] },
      { clientId: `${srv.origin}/attempt-bad.json`, accepted: false, redirectHosts: [], reason: expect.stringMatching(/^invalid_client_metadata: .*must include authorization_code/) },
      { clientId: "https://attacker.example/client.json", accepted: false, redirectHosts: [], reason: expect.stringMatching(/^invalid_client: .*not on an allowed domain/) },
    ]);
  });
});

describe("client ID metadata documents: abuse refused", () => {
  it("refuses a document larger than the limit, announced or streamed", async () => {
    const big = doc("/big.json", { client_name: "x".repeat(100), padding: "p".repeat(6000) });
    srv.route("/big.json", json(big));
    srv.route("/big-stream.json", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(JSON.stringify(doc("/big-stream.json")).slice(0, -1));
      res.end(`, "padding": "${"p".repeat(8000)}"}`);
    });
    expect(await refusal(devResolver().resolve(`${srv.origin}/big.json`))).toMatchObject({ code: "invalid_client", message: expect.stringMatching(/5120/) });
    expect(await refusal(devResolver().resolve(`${srv.origin}/big-stream.json`))).toMatchObject({ code: "invalid_client", message: expect.stringMatching(/larger than 5120/) });
  });

  it("gives up on a slow document at the deadline", async () => {
    srv.route("/slow.json", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      // never finishes
    });
    const started = Date.now();
    const err = await refusal(devResolver({ timeoutMs: 300 }).resolve(`${srv.origin}/slow.json`));
    expect(err.code).toBe("invalid_client");
    expect(err.message).toMatch(/300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("does not follow a redirect", async () => {
    srv.route("/moved.json", (_req, res) => {
      res.writeHead(302, { location: `${srv.origin}/ok.json` });
      res.end();
    });
    const before = srv.hits.get("/ok.json") ?? 0;
    const err = await refusal(devResolver().resolve(`${srv.origin}/moved.json`));
    expect(err).toMatchObject({ code: "invalid_client", message: expect.stringMatching(/redirects are not followed/) });
    expect(srv.hits.get("/ok.json") ?? 0).toBe(before);
  });

  it("refuses redirect URIs outside the tier's domains and loopback, and caches nothing", async () => {
    srv.route("/evil-redirect.json", json(doc("/evil-redirect.json", { redirect_uris: ["https://attacker.example/cb"] })));
    const r = devResolver();
    expect(await refusal(r.resolve(`${srv.origin}/evil-redirect.json`))).toMatchObject({ code: "invalid_redirect_uri", message: expect.stringMatching(/attacker\.example/) });
    await refusal(r.resolve(`${srv.origin}/evil-redirect.json`));
    expect(srv.hits.get("/evil-redirect.json")).toBe(2);
  });

  it("refuses a redirect URI on a look-alike of an allowed domain", async () => {
    srv.route("/lookalike.json", json(doc("/lookalike.json", { redirect_uris: ["https://vscode.dev.attacker.example/cb"] })));
    expect((await refusal(devResolver().resolve(`${srv.origin}/lookalike.json`))).code).toBe("invalid_redirect_uri");
  });

  it("refuses a document whose client_id differs from its URL", async () => {
    srv.route("/other.json", json(doc("/ok.json")));
    expect(await refusal(devResolver().resolve(`${srv.origin}/other.json`))).toMatchObject({ code: "invalid_client_metadata", message: expect.stringMatching(/must equal the document URL/) });
  });

  it("refuses a document without a client_name, which MCP requires beside client_id and redirect_uris", async () => {
    const { client_name: _omitted, ...unnamed } = doc("/unnamed.json");
    srv.route("/unnamed.json", json(unnamed));
    srv.route("/blank-name.json", json(doc("/blank-name.json", { client_name: "  " })));
    for (const path of ["/unnamed.json", "/blank-name.json"]) {
      expect(await refusal(devResolver().resolve(`${srv.origin}${path}`)), path).toMatchObject({ code: "invalid_client_metadata", message: expect.stringMatching(/must include client_name/) });
    }
  });

  it("refuses a higher tier's auth method, grant types or a client secret", async () => {
    srv.route("/secret.json", json(doc("/secret.json", { token_endpoint_auth_method: "client_secret_basic" })));
    srv.route("/cc.json", json(doc("/cc.json", { grant_types: ["client_credentials"] })));
    srv.route("/leak.json", json(doc("/leak.json", { client_secret: "s3cret" })));
    const r = devResolver();
    expect(await refusal(r.resolve(`${srv.origin}/secret.json`))).toMatchObject({ code: "invalid_client_metadata", message: expect.stringMatching(/token_endpoint_auth_method 'client_secret_basic'/) });
    expect(await refusal(r.resolve(`${srv.origin}/cc.json`))).toMatchObject({ code: "invalid_client_metadata", message: expect.stringMatching(/client_credentials/) });
    expect(await refusal(r.resolve(`${srv.origin}/leak.json`))).toMatchObject({ code: "invalid_client_metadata" });
  });

  it("refuses a document that is not JSON or not served as JSON", async () => {
    srv.route("/html.json", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html></html>");
    });
    expect((await refusal(devResolver().resolve(`${srv.origin}/html.json`))).code).toBe("invalid_client_metadata");
  });
});

describe("client ID metadata documents: SSRF defences in production", () => {
  const prod = (extra: Partial<CimdOptions> = {}) => createCimdResolver(tier, { allowedDomains: ["cimd.example", "localhost", "169.254.169.254", "10.0.0.1"], ...extra });

  it("refuses http client IDs and client IDs without a path", async () => {
    expect(await refusal(prod().resolve("http://cimd.example/client.json"))).toMatchObject({ code: "invalid_client", message: expect.stringMatching(/https/) });
    expect((await refusal(prod().resolve("https://cimd.example/"))).message).toMatch(/path/);
    expect((await refusal(prod().resolve("https://cimd.example/a/../client.json"))).message).toMatch(/\.\./);
  });

  it("refuses a client ID whose host is not on the tier's allowed domains", async () => {
    expect(await refusal(prod().resolve("https://claude.ai.attacker.example/client.json"))).toMatchObject({ code: "invalid_client", message: expect.stringMatching(/allowed domain/) });
  });

  it("refuses the metadata service and private addresses given as IP literals, without connecting", async () => {
    expect((await refusal(prod().resolve("https://169.254.169.254/latest/meta-data"))).message).toMatch(/not a public address/);
    expect((await refusal(prod().resolve("https://10.0.0.1/client.json"))).message).toMatch(/not a public address/);
  });

  it("refuses a host that resolves to a private, loopback or link-local address (checked after DNS)", async () => {
    for (const addresses of [["10.1.2.3"], ["93.184.216.34", "127.0.0.1"], ["fd00:ec2::254"], ["::ffff:169.254.169.254"], ["100.64.0.1"]]) {
      const err = await refusal(prod({ lookup: async () => addresses }).resolve("https://cimd.example/client.json"));
      expect(err.code).toBe("invalid_client");
      expect(err.message).toMatch(/resolves to/);
    }
  });

  it("refuses localhost in production, resolved by the system resolver", async () => {
    expect((await refusal(prod().resolve("https://localhost/client.json"))).message).toMatch(/resolves to .*not a public address/);
  });

  it("classifies addresses: public ones pass, every non-public range is refused", () => {
    for (const ok of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]) expect(addressProblem(ok)).toBeUndefined();
    for (const bad of ["127.0.0.1", "0.0.0.0", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "::ffff:7f00:1", "64:ff9b::a00:1", "2002:a00:1::1"]) {
      expect(addressProblem(bad), bad).toBeDefined();
    }
  });
});
