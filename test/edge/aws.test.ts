import { sealEdgeConfigs } from "../../lambda/seal-config.js";
import { describe, expect, it } from "vitest";
import { functionUrlHandler, httpApiHandler, requestFromV2, type AwsLambdaGlobal, type V2Event } from "../../lambda/adapters/aws.js";
import { bearer, call, crmConfig, harness, mint, parseChallenge, rsaKey } from "./helpers.js";

const key = rsaKey();

function event(over: Partial<V2Event> & { method?: string; path?: string } = {}): V2Event {
  const { method = "POST", path = "/crm", ...rest } = over;
  return {
    rawPath: path,
    rawQueryString: "",
    headers: { host: "mcp.example.com", "content-type": "application/json" },
    body: JSON.stringify(call("list_customers")),
    isBase64Encoded: false,
    requestContext: { domainName: "mcp.example.com", http: { method, sourceIp: "192.0.2.7" } },
    ...rest,
  };
}

describe("AWS payload v2 adapter (Function URL, HTTP API)", () => {
  it("answers a tokenless call with the 401 challenge, header intact", async () => {
    const { edge } = harness([crmConfig([key])]);
    const r = await httpApiHandler(edge)(event());
    expect(r.statusCode).toBe(401);
    const h = r.headers as Record<string, string>;
    expect(parseChallenge(h["www-authenticate"]!).resource_metadata).toBe("https://mcp.example.com/.well-known/oauth-protected-resource/crm");
    expect(h["cache-control"]).toBe("no-store");
  });

  it("serves metadata and passes the source IP into the audit record", async () => {
    const { edge, audit } = harness([crmConfig([key])]);
    const meta = await httpApiHandler(edge)(event({ method: "GET", path: "/.well-known/oauth-protected-resource/crm", body: undefined }));
    expect(meta.statusCode).toBe(200);
    expect(JSON.parse(meta.body!).resource).toBe("https://mcp.example.com/crm");
    const t = mint(key);
    const ok = await httpApiHandler(edge)(event({ headers: { host: "mcp.example.com", "content-type": "application/json", ...bearer(t) } }));
    expect(ok.statusCode).toBe(200);
    expect(audit.at(-1)).toMatchObject({ decision: "allow", ip: "192.0.2.7" });
  });

  it("decodes base64 bodies and refuses comma-joined duplicate Authorization headers", async () => {
    const { edge } = harness([crmConfig([key])]);
    const t = mint(key);
    const b64 = await httpApiHandler(edge)(event({ headers: { host: "mcp.example.com", ...bearer(t) }, body: Buffer.from(JSON.stringify(call("list_customers"))).toString("base64"), isBase64Encoded: true }));
    expect(b64.statusCode).toBe(200);
    const dup = await httpApiHandler(edge)(event({ headers: { host: "mcp.example.com", authorization: `Bearer ${t},Bearer ${t}` } }));
    expect(dup.statusCode).toBe(400);
  });

  it("rebuilds the URL with the query string so a token in the query is refused", async () => {
    const req = requestFromV2(event({ rawQueryString: "access_token=abc" }));
    expect(req.url).toBe("https://mcp.example.com/crm?access_token=abc");
    const { edge } = harness([crmConfig([key])]);
    expect((await httpApiHandler(edge)(event({ rawQueryString: "access_token=abc" }))).statusCode).toBe(400);
  });

  it("streams through awslambda.streamifyResponse when the runtime provides it", async () => {
    const { edge } = harness([crmConfig([key])]);
    const written: string[] = [];
    let prelude: { statusCode: number; headers: Record<string, string> } | undefined;
    const aws: AwsLambdaGlobal = {
      streamifyResponse: (fn) => fn,
      HttpResponseStream: {
        from(_s, p) {
          prelude = p;
          return { write: (c: Uint8Array | string) => void written.push(typeof c === "string" ? c : Buffer.from(c).toString()), end: (cb: () => void) => cb() } as unknown as NodeJS.WritableStream;
        },
      },
    };
    const h = functionUrlHandler(edge, aws) as (e: V2Event, s: NodeJS.WritableStream) => Promise<void>;
    await h(event({ headers: { host: "mcp.example.com", ...bearer(mint(key)) } }), {} as NodeJS.WritableStream);
    expect(prelude?.statusCode).toBe(200);
    expect(written.join("")).toContain('"ok":true');
  });

  it("falls back to the buffered handler without awslambda", () => {
    const { edge } = harness([crmConfig([key])]);
    expect(typeof functionUrlHandler(edge, undefined)).toBe("function");
  });
});

describe("config validation at cold start", () => {
  it("fails loudly naming the bad field", async () => {
    const { parseEdgeConfig } = await import("../../lambda/config.js");
    const bad = { ...crmConfig([key]), jwksUri: "not a url", clockToleranceSeconds: 9999 };
    expect(() => parseEdgeConfig(bad)).toThrow(/jwksUri/);
    expect(() => parseEdgeConfig(bad)).toThrow(/clockToleranceSeconds/);
    expect(() => parseEdgeConfig({ ...crmConfig([key]), algorithms: ["HS256"] })).toThrow(/algorithms/);
    expect(() => parseEdgeConfig({ ...crmConfig([key]), algorithms: ["none"] })).toThrow(/algorithms/);
  });

  it("names the allowed values and the fix in every message, and reports every bad field at once", async () => {
    const { parseEdgeConfig } = await import("../../lambda/config.js");
    const bad = { ...crmConfig([key]), algorithms: ["HS256"], upstreamAssertion: "maybe", clockToleranceSeconds: Number.NaN, server: "", extra: true };
    let message = "";
    try {
      parseEdgeConfig(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("algorithms.0: invalid_value (expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)");
    expect(message).toContain("upstreamAssertion: invalid_value (expected one of signed, batched, none)");
    expect(message).toContain("clockToleranceSeconds: expected a finite number");
    expect(message).toContain("server: must not be empty");
    expect(message).toContain("(root): unrecognized_keys extra");
  });

  it("offers the schema through zod's safeParse and the Standard Schema interface", async () => {
    const { EdgeConfigSchema } = await import("../../lambda/config.js");
    const { safeParse } = await import("zod/v4/core");
    expect(safeParse(EdgeConfigSchema, crmConfig([key])).success).toBe(true);
    const r = await EdgeConfigSchema["~standard"].validate({ ...crmConfig([key]), jwksUri: "ftp://x" });
    expect("issues" in r && r.issues?.[0]?.path).toEqual(["jwksUri"]);
  });

  it("refuses two configs for the same resource", () => {
    expect(() => harness([crmConfig([key]), crmConfig([key])])).toThrow(/share the resource/);
  });
});

describe("bundle", () => {
  it("builds the gateway as one minified CommonJS file of at most 60 KiB whose handler loads a config from the environment", async () => {
    const { buildEdgeBundle } = await import("../../lambda/build.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { file, bytes } = await buildEdgeBundle({ outdir: mkdtempSync(join(tmpdir(), "edge-test-")) });
    expect(file.endsWith("index.cjs")).toBe(true);
    expect(bytes).toBeLessThanOrEqual(60 * 1024);
    process.env.MCP_EDGE_CONFIG = JSON.stringify(sealEdgeConfigs([crmConfig([key])]));
    try {
      const mod = (await import(file)) as { handler: unknown; httpApi: (e: V2Event) => Promise<{ statusCode: number }> };
      expect(typeof mod.handler).toBe("function");
      expect((await mod.httpApi(event())).statusCode).toBe(401);
    } finally {
      delete process.env.MCP_EDGE_CONFIG;
    }
  }, 30_000);

  it("builds the REST authorizer as one minified CommonJS file of at most 61 KiB that answers authorizer events", async () => {
    const { buildEdgeBundle } = await import("../../lambda/build.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const entry = fileURLToPath(new URL("../../lambda/aws/authorizer-entry.ts", import.meta.url));
    const { file, bytes } = await buildEdgeBundle({ outdir: mkdtempSync(join(tmpdir(), "edge-test-")), entry });
    expect(file.endsWith("index.cjs")).toBe(true);
    expect(bytes).toBeLessThanOrEqual(61 * 1024);
    process.env.MCP_EDGE_CONFIG = JSON.stringify(sealEdgeConfigs([crmConfig([key])]));
    try {
      const mod = (await import(file)) as { handler: (e: unknown) => Promise<unknown> };
      const denied = mod.handler({ type: "REQUEST", methodArn: "arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/crm", path: "/crm", httpMethod: "POST", headers: { host: "mcp.example.com" }, requestContext: {} });
      // No token: API Gateway's UNAUTHORIZED response (401 with the deploy-time challenge).
      await expect(denied).rejects.toThrow(/^Unauthorized$/);
    } finally {
      delete process.env.MCP_EDGE_CONFIG;
    }
  }, 30_000);
});
