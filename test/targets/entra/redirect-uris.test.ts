import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, type MockHarness } from "../../support/pulumi-mocks.js";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import type { McpAuthDeclarationInput } from "../../../components/model/declarations.js";
import { URL_NAMESPACE, uuidV5 } from "../../../components/targets/entra/ids.js";

/**
 * docs/entra.md: a pre-registered client's application gets its declared redirect URIs verbatim
 * (loopback and custom-scheme ones on the mobile/desktop platform, https ones on the SPA platform,
 * a confidential client's on the web platform). The azuread provider validates each platform's
 * URIs before anything is created (`IsRedirectUriFunc`): every URI needs a host, and on the SPA
 * and web platforms an http(s) URI without a path needs at least `/`. The component checks the
 * same rules at construction, so a declaration the provider would refuse fails naming the client
 * and the fix, with nothing registered.
 */

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const appType = "azuread:index/application:Application";
let mocks: MockHarness;
let EntraMcpAuth: typeof import("../../../components/targets/entra/component.js").EntraMcpAuth;

beforeAll(async () => {
  mocks = await installMocks({
    state: (a) => {
      if (a.type === appType) return { clientId: uuidV5(URL_NAMESPACE, `client:${a.name}`), objectId: uuidV5(URL_NAMESPACE, `object:${a.name}`) };
      if (a.type === "azuread:index/servicePrincipal:ServicePrincipal") return { objectId: uuidV5(URL_NAMESPACE, `sp:${a.name}`) };
      return undefined;
    },
    calls: { "azuread:index/getClientConfig:getClientConfig": () => ({ tenantId: TENANT, clientId: "c", objectId: "o", id: "x" }) },
  });
  ({ EntraMcpAuth } = await import("../../../components/targets/entra/component.js"));
});

/** The CRM plan with the verified tier's `internal-portal` (or `claude-code`) redirect URIs replaced. */
function planWith(client: "internal-portal" | "claude-code", redirectUris: string[]) {
  const d = structuredClone(crm) as McpAuthDeclarationInput & { tiers: Record<string, { clients?: Array<{ name: string; redirectUris?: string[] }> }> };
  const c = d.tiers["verified"]!.clients!.find((x) => x.name === client)!;
  c.redirectUris = redirectUris;
  return compile(d);
}

const build = (name: string, plan: ReturnType<typeof compile>) => () => new EntraMcpAuth(name, { plan, tenantId: TENANT, verifiedDomains: ["example.com"] });

describe("EntraMcpAuth redirect URIs", () => {
  it("refuses an https redirect URI without a path on the SPA platform, naming the client and the fix", () => {
    mocks.reset();
    expect(build("spa-no-path", planWith("internal-portal", ["https://portal.example.com"]))).toThrow(
      /verified-internal-portal.*'https:\/\/portal\.example\.com'.*path.*'https:\/\/portal\.example\.com\/'/s,
    );
    expect(mocks.ofType(appType)).toEqual([]);
  });

  it("refuses a custom-scheme redirect URI without a host on the mobile/desktop platform", () => {
    mocks.reset();
    expect(build("no-host", planWith("claude-code", ["com.example.app:/oauth/callback"]))).toThrow(/verified-claude-code.*'com\.example\.app:\/oauth\/callback'.*host/s);
    expect(mocks.ofType(appType)).toEqual([]);
  });

  it("accepts loopback URIs without a path, custom schemes with a host and https URIs with a path, verbatim", async () => {
    mocks.reset();
    build("ok", planWith("claude-code", ["http://127.0.0.1:33418", "cursor://anysphere.cursor-retrieval/oauth/callback"]))();
    await mocks.settled();
    const client = mocks.ofType(appType).find((a) => a.name === "ok-client-verified-claude-code")!;
    expect(client.inputs.publicClient.redirectUris).toEqual(["cursor://anysphere.cursor-retrieval/oauth/callback", "http://127.0.0.1:33418"]);
    const portal = mocks.ofType(appType).find((a) => a.name === "ok-client-verified-internal-portal")!;
    expect(portal.inputs.singlePageApplication.redirectUris).toEqual(["https://portal.example.com/oauth/callback"]);
  });
});
