/**
 * The repository's root Pulumi program (Pulumi.yaml at the top level): provisions the CRM example on
 * the IdP named by `mcp-auth:idp` by running that IdP's example stack. Each stack under `stacks/` is
 * also a standalone program with its own Pulumi.yaml; copy the one for your IdP into your repository,
 * importing from the package's entry points (`pulumi-mcp-auth`, `pulumi-mcp-auth/<idp>`) instead of `../../components/…`.
 *
 *   pulumi config set mcp-auth:idp okta      # or auth0, entra
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";

/** The example stack of each supported IdP. */
export const IDP_STACKS = {
  okta: () => import("./okta/index.js"),
  auth0: () => import("./auth0/index.js"),
  entra: () => import("./entra/index.js"),
} as const;

type Idp = keyof typeof IDP_STACKS;
const isIdp = (v: string): v is Idp => Object.hasOwn(IDP_STACKS, v);

const idp = new pulumi.Config("mcp-auth").require("idp");
if (!isIdp(idp)) {
  throw new Error(`mcp-auth:idp must be one of ${Object.keys(IDP_STACKS).join(", ")}, got '${idp}'; run: pulumi config set mcp-auth:idp okta`);
}

/** The chosen stack's outputs (issuer, per-server edge configs, client ids, capability report). */
export const outputs = { idp, ...(await IDP_STACKS[idp]()) };
