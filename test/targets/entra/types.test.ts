import { describe, expect, it } from "vitest";
import type * as azuread from "@pulumi/azuread";
import type { EntraMcpAuthArgs } from "../../../components/targets/entra/args.js";

/**
 * Type-level facts the Entra target rests on, checked by `tsc --noEmit` against @pulumi/azuread
 * (an unused `@ts-expect-error` is itself a compile error, so each line fails if the fact changes).
 */

// azuread has no token-lifetime resource: lifetimes go through Graph and the edge (docs/entra.md).
// @ts-expect-error TokenLifetimePolicy does not exist in @pulumi/azuread
type NoLifetimeResource = typeof azuread.TokenLifetimePolicy;

// ApplicationPreAuthorized needs the permission ids.
// @ts-expect-error permissionIds is required
const preAuthMissingIds: azuread.ApplicationPreAuthorizedArgs = { applicationId: "a", authorizedClientId: "b" };

// Delegated scopes need an id (the component derives stable UUIDv5 ids).
// @ts-expect-error id is required on an oauth2PermissionScope
const scopeWithoutId: azuread.types.input.ApplicationApiOauth2PermissionScope = { value: "crm:customers:read" };

// The component takes a compiled plan, not a declaration.
// @ts-expect-error plan is required
const argsWithoutPlan: EntraMcpAuthArgs = { tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };

describe("@pulumi/azuread type facts", () => {
  it("compiles only if azuread still lacks a lifetime resource and requires ids (checked by tsc)", () => {
    const unused: Array<NoLifetimeResource | unknown> = [preAuthMissingIds, scopeWithoutId, argsWithoutPlan];
    expect(unused).toHaveLength(3);
  });
});
