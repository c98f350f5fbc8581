import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, type MockHarness } from "../../support/pulumi-mocks.js";
import { CRM_ARGS, OKTA_MOCKS, crmDeclarations } from "./fixture.js";

/**
 * docs/okta.md: one `okta.trustedorigin.Origin` per distinct allowed origin. Two origins on one host
 * (`http://localhost:3000` and `https://localhost:3000`) are distinct origins, so they need two
 * resources with distinct Pulumi names (one name twice is a duplicate URN, which fails the preview),
 * while an origin whose host is unique keeps the name it always had (no replacement on upgrade).
 */

let mocks: MockHarness;
let Okta: typeof import("../../../components/targets/okta/component.js");

beforeAll(async () => {
  mocks = await installMocks(OKTA_MOCKS);
  Okta = await import("../../../components/targets/okta/component.js");
});

describe("OktaMcpAuth trusted origins", () => {
  it("creates one trusted origin per distinct origin, with distinct names, even when two share a host", async () => {
    const d = crmDeclarations() as { servers: Array<{ name: string; allowedOrigins?: string[] }> };
    d.servers[0]!.allowedOrigins = ["https://app.example.com", "http://localhost:3000", "https://localhost:3000"];
    new Okta.OktaMcpAuth("crm", { declarations: d as never, ...CRM_ARGS });
    const origins = (await mocks.settled()).filter((r) => r.type === "okta:trustedorigin/origin:Origin");
    expect(origins.map((o) => o.inputs.origin).sort()).toEqual(["http://localhost:3000", "https://app.example.com", "https://localhost:3000"]);
    expect(new Set(origins.map((o) => o.name)).size).toBe(3);
    expect(new Set(origins.map((o) => o.inputs.name)).size).toBe(3);
    // A host used once keeps its established name.
    expect(origins.find((o) => o.inputs.origin === "https://app.example.com")!.name).toBe("crm-origin-app.example.com");
    for (const o of origins) expect(o.inputs.scopes).toEqual([{ type: "CORS" }]);
  });
});
