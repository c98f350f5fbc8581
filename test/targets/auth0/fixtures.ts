import { generateKeyPairSync } from "node:crypto";
import { compile, type McpAuthDeclarationInput } from "../../../components/index.js";
import type { Auth0McpAuthArgs } from "../../../components/targets/auth0/index.js";
import crm from "../../../stacks/crm/mcp-auth.js";

/** A real RSA public key, as the nightly-digest agent would register for private_key_jwt. */
export const AGENT_PUBLIC_KEY_PEM = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();

export const DOMAIN = "acme.eu.auth0.com";

/** The CRM example plan. */
export const crmPlan = () => compile(crm);

/** Arguments for the CRM example on Auth0 (tenant unmanaged unless overridden). */
export function crmArgs(overrides: Partial<Auth0McpAuthArgs> = {}): Auth0McpAuthArgs {
  return {
    plan: crmPlan(),
    domain: DOMAIN,
    clients: { agent: { "nightly-digest": { publicKeyPem: AGENT_PUBLIC_KEY_PEM } } },
    ...overrides,
  };
}

/** The CRM declaration with changes applied to a deep copy (for plans the example does not cover). */
export function crmVariant(change: (d: McpAuthDeclarationInput) => void): ReturnType<typeof compile> {
  const d = structuredClone(crm) as McpAuthDeclarationInput;
  change(d);
  return compile(d);
}
