/**
 * Authorization front benchmark (`npm run bench:front`), all in one run on this machine:
 * - token endpoint (refresh_token grant with rotation) and authorization request latency on the
 *   front (createFront, DynamoDB store on dynalite) against oidc-provider's quick-start
 *   configuration (memory adapter, opaque tokens) on the same loopback;
 * - cold start of the front's Lambda bundle (require + DynamoDB client + createFront + one
 *   discovery answer, no network) over bare `node -e 0`;
 * - registration throughput: CIMD with the document cached, and the DCR guard with dynalite.
 * Writes bench/results/front.md. Bounded to well under a minute.
 */
import { spawnSync } from "node:child_process";
import { createServer, type RequestListener, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { buildFrontBundle } from "../components/front/aws/build.js";
import { createFront } from "../components/front/front.js";
import { createCimdResolver } from "../components/front/registration/cimd.js";
import { createDcrGuard } from "../components/front/registration/dcr.js";
import { createDynamoStore, createFrontTable } from "../components/front/store/dynamodb.js";
import { localDynamoClientConfig, startLocalDynamo } from "../components/front/store/local-dynamo.js";
import { compile } from "../components/plan/compile.js";
import crm from "../stacks/crm/mcp-auth.js";
import { coldStartScript } from "./front-cold-start.js";
import { median } from "./support.js";

const N = Number(process.env.BENCH_FRONT_N ?? 60);
const plan = compile(crm);
const CRM = plan.servers.find((s) => s.name === "crm")!.resource;

async function listen(listener: RequestListener): Promise<{ server: Server; origin: string }> {
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stats(ms: number[]): { p50: number; p95: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: median(s), p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! };
}

async function timed(n: number, one: () => Promise<Response>, expectStatus: number): Promise<{ p50: number; p95: number }> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await one();
    const body = await r.text();
    out.push(performance.now() - t);
    if (r.status !== expectStatus) throw new Error(`expected HTTP ${expectStatus}, got ${r.status}: ${body.slice(0, 300)}`);
  }
  return stats(out.slice(Math.min(10, n >> 2)));
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return createHash("sha256").update(verifier).digest("base64url");
};
const form = (o: Record<string, string>, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(o) });

/** oidc-provider's quick-start configuration (README): one confidential client (here also allowed the refresh grant), defaults everywhere else. */
async function quickStart() {
  let provider!: Provider;
  const { server, origin } = await listen((req, res) => provider.callback()(req, res));
  provider = new Provider(origin, { clients: [{ client_id: "foo", client_secret: "bar", redirect_uris: ["http://127.0.0.1/cb"], grant_types: ["authorization_code", "refresh_token"] }] } as ConstructorParameters<typeof Provider>[1]);
  const client = await provider.Client.find("foo");
  const tokens: string[] = [];
  for (let i = 0; i < N; i++) {
    const grant = new provider.Grant({ accountId: `user${i}`, clientId: "foo" });
    grant.addOIDCScope("openid offline_access");
    const grantId = await grant.save();
    tokens.push(await new provider.RefreshToken({ client, accountId: `user${i}`, grantId, scope: "openid offline_access", gty: "authorization_code" } as never).save());
  }
  const basic = `Basic ${Buffer.from("foo:bar").toString("base64")}`;
  let i = 0;
  const token = await timed(N, () => fetch(`${origin}/token`, form({ grant_type: "refresh_token", refresh_token: tokens[i++]! }, { authorization: basic })), 200);
  const auth = await timed(N, () => fetch(`${origin}/auth?${new URLSearchParams({ client_id: "foo", response_type: "code", redirect_uri: "http://127.0.0.1/cb", scope: "openid", state: "s", code_challenge: pkce(), code_challenge_method: "S256" })}`, { redirect: "manual" }), 303);
  server.closeAllConnections();
  server.close();
  return { token, auth };
}

async function theFront(dynamo: DynamoDBClient) {
  const tableName = `bench-${randomBytes(4).toString("hex")}`;
  await createFrontTable(dynamo, tableName);
  const store = createDynamoStore({ client: dynamo, tableName });
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const agent = await generateKeyPair("ES256", { extractable: true });
  let handle!: RequestListener;
  const { server, origin } = await listen((req, res) => handle(req, res));
  const front = await createFront({
    plan,
    issuer: origin,
    signingKey: { ...(await exportJWK(privateKey)), kid: "bench", alg: "RS256" },
    cookieKeys: [randomBytes(32).toString("base64url")],
    store,
    upstream: { issuer: "https://idp.example.com", clientId: "front", clientSecret: "s3cret-s3cret-s3cret" },
    edgeClient: { id: "mcp-auth-edge", secret: randomBytes(32).toString("base64url") },
    clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "agent", alg: "ES256" } } },
  });
  handle = front.handle;
  const provider = front.provider;
  const claude = await provider.Client.find("claude-code");
  const tokens: string[] = [];
  const authTime = Math.floor(Date.now() / 1000);
  for (let i = 0; i < N; i++) {
    const sub = `user${i}`;
    await store.adapter("FrontAccount").upsert(sub, { sub, upstreamIssuer: "https://idp.example.com", username: sub, name: sub, email: `${sub}@example.com`, groups: ["sales-reps"], authTime } as never, 3600);
    const grant = new provider.Grant({ accountId: sub, clientId: "claude-code" });
    grant.addResourceScope(CRM, "crm:customers:read");
    const grantId = await grant.save();
    tokens.push(await new provider.RefreshToken({ client: claude, accountId: sub, grantId, scope: "crm:customers:read", resource: CRM, gty: "authorization_code", authTime } as never).save());
  }
  let i = 0;
  const token = await timed(N, () => fetch(`${origin}/token`, form({ grant_type: "refresh_token", refresh_token: tokens[i++]!, client_id: "claude-code", resource: CRM })), 200);
  const auth = await timed(
    N,
    () =>
      fetch(`${origin}/auth?${new URLSearchParams({ client_id: "claude-code", response_type: "code", redirect_uri: "http://127.0.0.1:33418/callback", scope: "crm:customers:read", resource: CRM, state: "s", code_challenge: pkce(), code_challenge_method: "S256" })}`, { redirect: "manual" }),
    303,
  );
  server.closeAllConnections();
  server.close();
  await front.close();
  return { token, auth, store, tableName };
}

function coldStart(): Promise<{ bare: number; front: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), "front-bench-"));
  return buildFrontBundle({ outdir: dir }).then(({ file, bytes }) => {
    const script = coldStartScript(dir, file, plan);
    const env = { ...process.env, NODE_PATH: resolve("node_modules") };
    const wall = (args: string[]) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, args, { env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      if (args[0] !== "-e" && !r.stdout.includes('"status":200')) throw new Error(`cold start did not answer 200: ${r.stdout}`);
      return performance.now() - t;
    };
    const bare: number[] = [];
    const front: number[] = [];
    for (let i = 0; i < 7; i++) {
      bare.push(wall(["-e", "0"]));
      front.push(wall([script]));
    }
    return { bare: median(bare), front: median(front), bytes };
  });
}

async function registration(client: DynamoDBClient) {
  const cimdTier = plan.tiers.find((t) => t.registration === "cimd")!;
  let docUrl = "";
  const { server, origin } = await listen((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ client_id: docUrl, client_name: "Bench", redirect_uris: ["http://127.0.0.1/callback"], token_endpoint_auth_method: "none" }));
  });
  docUrl = `${origin}/client.json`;
  const resolver = createCimdResolver(cimdTier, { allowedDomains: cimdTier.allowedDomains, allowLoopback: true });
  await resolver.resolve(docUrl);
  const M = 20_000;
  let t = performance.now();
  for (let i = 0; i < M; i++) await resolver.resolve(docUrl);
  const cimdPerSecond = M / ((performance.now() - t) / 1000);
  server.close();

  const tableName = `bench-dcr-${randomBytes(4).toString("hex")}`;
  await createFrontTable(client, tableName);
  const guard = createDcrGuard({ tier: plan.tiers.find((t) => t.registration === "dcr")!, store: createDynamoStore({ client, tableName }), plan });
  const meta = { client_name: "Bench", redirect_uris: ["http://127.0.0.1:40000/callback"], grant_types: ["authorization_code", "refresh_token"], token_endpoint_auth_method: "none" };
  const D = 300;
  t = performance.now();
  for (let i = 0; i < D; i++) {
    const v = await guard.check({ sourceIp: `198.51.${i >> 8}.${i & 255}`, metadata: meta });
    if (!v.ok) throw new Error(`DCR refused: ${v.description}`);
  }
  const dcrPerSecond = D / ((performance.now() - t) / 1000);
  return { cimdPerSecond, dcrPerSecond };
}

const local = await startLocalDynamo();
const client = new DynamoDBClient(localDynamoClientConfig(local.endpoint));
try {
  const base = await quickStart();
  const mine = await theFront(client);
  const cold = await coldStart();
  const reg = await registration(client);
  const f = (x: number) => x.toFixed(2);
  const md = `# Authorization front benchmark

Machine: ${cpus().length} CPU (${cpus()[0]?.model.trim() ?? "?"}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}; measured while other work ran on the machine, so treat the figures as upper bounds. Written by \`npm run bench:front\`.

## Latency on loopback (${N} sequential requests each, first ${Math.min(10, N >> 2)} dropped)

The front runs \`createFront\` with the DynamoDB store on dynalite (an in-process DynamoDB-compatible server reached over HTTP), the CRM plan and an RS256 key, and issues RFC 9068 JWT access tokens; the baseline is oidc-provider's quick-start configuration (memory adapter, opaque tokens). Token endpoint: \`refresh_token\` grant with rotation, a fresh refresh token per request. Authorization request: \`GET /auth\` with PKCE up to the redirect to the sign-in interaction.

| what | front p50 ms | front p95 ms | quick-start p50 ms | quick-start p95 ms |
| --- | ---: | ---: | ---: | ---: |
| token endpoint (refresh) | ${f(mine.token.p50)} | ${f(mine.token.p95)} | ${f(base.token.p50)} | ${f(base.token.p95)} |
| authorization request | ${f(mine.auth.p50)} | ${f(mine.auth.p95)} | ${f(base.auth.p50)} | ${f(base.auth.p95)} |

## Lambda bundle and cold start

Process start + require of the bundle + DynamoDB client + \`createFront\` + one discovery answer, with config and secret injected (no network), median of 7, against bare \`node -e 0\` of the same binary.

| what | value | goal |
| --- | ---: | ---: |
| bundle size | ${(cold.bytes / 1024).toFixed(0)} KB | — |
| bare \`node -e 0\` | ${cold.bare.toFixed(0)} ms | — |
| front cold path | ${cold.front.toFixed(0)} ms | — |
| front over bare node | ${(cold.front - cold.bare).toFixed(0)} ms | ≤ 150 ms |

## Registration throughput

| what | per second |
| --- | ---: |
| CIMD, document cached (resolver only) | ${reg.cimdPerSecond.toFixed(0)} |
| DCR guard with dynalite (rate-limit counter + risk record per check, distinct sources) | ${reg.dcrPerSecond.toFixed(0)} |
`;
  writeFileSync(new URL("./results/front.md", import.meta.url), md);
  process.stdout.write(md);
} finally {
  client.destroy();
  await local.close();
}
