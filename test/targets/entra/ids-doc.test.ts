import { describe, expect, it } from "vitest";
import crm from "../../../stacks/crm/mcp-auth.js";
import { compile } from "../../../components/plan/compile.js";
import { ENTRA_ID_NAMESPACE, uuidV5 } from "../../../components/targets/entra/ids.js";
import { entraPlanSpec } from "../../../components/targets/entra/mapping.js";

/**
 * docs/entra.md, "What it creates": scope ids are UUIDv5 of `<resource>#scope:<scope>`, group role
 * ids of `<resource>#role:<group>`, application-permission ids of `<resource>#app-permission:<scope>`
 * (all in the toolkit's namespace), so an application permission never reuses its scope's id:
 * Entra (and the azuread provider's plan-time check) refuse an id shared by a scope and a role.
 */
describe("Entra permission ids", () => {
  const spec = entraPlanSpec(compile(crm));

  it("derives every id as docs/entra.md states", () => {
    for (const s of spec.servers) {
      for (const x of s.scopes) expect(x.id).toBe(uuidV5(ENTRA_ID_NAMESPACE, `${s.resource}#scope:${x.scope}`));
      for (const r of s.roles) expect(r.id).toBe(uuidV5(ENTRA_ID_NAMESPACE, `${s.resource}#role:${r.group}`));
      for (const p of s.appPermissions) expect(p.id).toBe(uuidV5(ENTRA_ID_NAMESPACE, `${s.resource}#app-permission:${p.scope}`));
    }
  });

  it("gives every scope, group role and application permission of a server a distinct id", () => {
    for (const s of spec.servers) {
      const ids = [...s.scopes.map((x) => x.id), ...s.roles.map((r) => r.id), ...s.appPermissions.map((p) => p.id)];
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(spec.servers.some((s) => s.appPermissions.length > 0)).toBe(true);
  });
});
