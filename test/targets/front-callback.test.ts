import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFront } from "../../components/front/front.js";
import { FEDERATION_CALLBACK_PATH } from "../../components/front/index.js";
import { createMemoryStore } from "../../components/front/store/memory.js";
import { compile } from "../../components/plan/compile.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { installMocks, promiseOf, type MockHarness } from "../support/pulumi-mocks.js";
import { crmArgs } from "./auth0/fixtures.js";
import { CRM_ARGS, OKTA_MOCKS, crmDeclarations } from "./okta/fixture.js";

/**
 * The callback URL the IdP targets register for the front is exactly the one the front serves:
 * each target is created the way the per-IdP front examples do it (stacks/front-compose.ts
 * `frontHost`), the redirect URI is read back from what the target gave the IdP's provider, and a
 * real front, configured from the Okta target's `frontUpstream` output, must answer it with its
 * federation callback.
 */
let mocks: MockHarness;
let registered: Record<"okta" | "auth0" | "entra", string[]>;
let host: { domainName: string; issuer: string; callbackUrl: string };
let oktaUpstream: { issuer: string; clientId: string; clientSecret: string; groupsClaim: string };

const ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const guid = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, "0")}`;

beforeAll(async () => {
  pulumi.runtime.setConfig("mcp-auth:frontDomainName", "auth.example.com");
  let n = 100;
  mocks = await installMocks({
    state: (a) => {
      const okta = OKTA_MOCKS.state?.(a);
      if (okta) return okta;
      if (a.type === "auth0:index/client:Client") return { clientId: `${a.name}-client-id` };
      if (a.type === "auth0:index/clientCredentials:ClientCredentials") return { clientSecret: `${a.name}-secret` };
      if (a.type === "azuread:index/application:Application") return { clientId: guid(n++), objectId: guid(n++) };
      if (a.type === "azuread:index/servicePrincipal:ServicePrincipal") return { objectId: guid(n++) };
      if (a.type === "azuread:index/applicationPassword:ApplicationPassword") return { value: `${a.name}-value` };
      return undefined;
    },
    calls: { ...OKTA_MOCKS.calls, "okta:group/getEveryoneGroup:getEveryoneGroup": () => ({ id: "grp-everyone" }) },
  });
  const compose = await import("../../stacks/front-compose.js");
  host = compose.frontHost(new pulumi.Config("mcp-auth"));
  const { OktaMcpAuth } = await import("../../components/targets/okta/index.js");
  const { Auth0McpAuth } = await import("../../components/targets/auth0/index.js");
  const { EntraMcpAuth } = await import("../../components/targets/entra/index.js");
  const okta = new OktaMcpAuth("ok", { declarations: crmDeclarations(), ...CRM_ARGS, front: { redirectUri: host.callbackUrl } });
  const auth0 = new Auth0McpAuth("a0", crmArgs({ front: { redirectUri: host.callbackUrl } }));
  const entra = new EntraMcpAuth("en", { plan: compile(crm), tenantId: ENTRA_TENANT, verifiedDomains: ["example.com"], groupObjectIds: { "sales-reps": guid(1), "crm-admins": guid(3) }, front: { redirectUri: host.callbackUrl } });
  const up = compose.frontUpstreamOf(okta, "OktaMcpAuth");
  oktaUpstream = {
    issuer: await promiseOf(pulumi.output(up.issuer)),
    clientId: await promiseOf(pulumi.output(up.clientId)),
    clientSecret: await promiseOf(pulumi.output(up.clientSecret!)),
    groupsClaim: await promiseOf(pulumi.output(up.groupsClaim!)),
  };
  await promiseOf(pulumi.output(auth0.frontUpstream!.clientId));
  await promiseOf(pulumi.output(entra.frontUpstream!.clientId));
  await mocks.settled();
  registered = {
    okta: mocks.byName("ok-front-upstream", "okta:app/oAuth:OAuth").inputs.redirectUris,
    auth0: mocks.ofType("auth0:index/client:Client").filter((c) => c.name.startsWith("a0-front")).flatMap((c) => c.inputs.callbacks ?? []),
    entra: mocks.ofType("azuread:index/application:Application").filter((a) => a.name.startsWith("en-front")).flatMap((a) => a.inputs.web?.redirectUris ?? []),
  };
}, 60_000);

describe("the front's callback: one path, registered by the IdP targets and served by the front", () => {
  let server: Server;
  let origin = "";
  const lines: string[] = [];
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const agent = await generateKeyPair("ES256", { extractable: true });
    const front = await createFront({
      plan: compile(crm),
      issuer: host.issuer,
      signingKey: { ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256" },
      cookieKeys: [randomBytes(32).toString("base64url")],
      store: createMemoryStore(),
      upstream: oktaUpstream,
      edgeClient: { id: "edge", secret: randomBytes(32).toString("base64url") },
      clientCredentials: { "nightly-digest": { publicJwk: { ...(await exportJWK(agent.publicKey)), kid: "a1", alg: "ES256" } } },
      log: (l) => lines.push(l),
    });
    server = createServer(front.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server?.close());

  it("is the same constant for the targets and the front", async () => {
    const mods = { okta: await import("../../components/targets/okta/index.js"), auth0: await import("../../components/targets/auth0/index.js"), entra: await import("../../components/targets/entra/index.js") };
    for (const [target, mod] of Object.entries(mods)) expect(mod.FRONT_CALLBACK_PATH, target).toBe(FEDERATION_CALLBACK_PATH);
  });

  it("every target registers exactly <front issuer> + the path the front serves, and the front answers it with its federation callback", async () => {
    expect(oktaUpstream.clientId).toBe("ok-front-upstream-cid");
    for (const [target, uris] of Object.entries(registered)) {
      expect(uris, target).toEqual([`${host.issuer}${FEDERATION_CALLBACK_PATH}`]);
      const uri = new URL(uris[0]!);
      expect(uri.origin, target).toBe(host.issuer);
      lines.length = 0;
      // What the IdP sends the browser back to, minus the host (served here on loopback).
      const res = await fetch(`${origin}${uri.pathname}?code=c&state=not-issued`);
      expect(res.status, target).toBe(400);
      expect(await res.text(), target).toContain("this sign-in is unknown or expired");
      expect(lines.some((l) => l.includes('"event":"sign_in_failed"') && l.includes('"reason":"unknown_state"')), target).toBe(true);
    }
    // A path the front does not serve is not its callback.
    const elsewhere = await fetch(`${origin}/upstream/callback?code=c&state=not-issued`);
    expect(elsewhere.status).toBe(404);
  });
});
