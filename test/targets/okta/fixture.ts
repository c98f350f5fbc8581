import crm from "../../../stacks/crm/mcp-auth.js";
import type { McpAuthDeclarationInput } from "../../../components/model/declarations.js";
import type { MockOptions } from "../../support/pulumi-mocks.js";

/** The CRM example's agent uses private_key_jwt without a declared JWKS URI; Okta needs one. */
export const CRM_ARGS = { clientJwksUris: { "agent/nightly-digest": "https://agents.example.com/nightly-digest/jwks.json" } } as const;

/** A deep copy of the CRM declarations to modify in a test. */
export const crmDeclarations = (): McpAuthDeclarationInput => structuredClone(crm) as McpAuthDeclarationInput;

export const ORG = "https://example.okta.com";

/** Mock outputs Okta computes: the issuer of an authorization server, the client id of an app. */
export const OKTA_MOCKS: MockOptions = {
  state: (args) => {
    if (args.type === "okta:auth/server:Server") return { issuer: `${ORG}/oauth2/${args.name}-id` };
    if (args.type === "okta:app/oAuth:OAuth") return { clientId: `${args.name}-cid`, clientSecret: args.inputs.omitSecret ? undefined : `${args.name}-secret` };
    return undefined;
  },
  calls: {
    "okta:group/getGroup:getGroup": (inputs) => ({ id: `grp-${String(inputs.name).replace(/\W+/g, "-").toLowerCase()}`, name: inputs.name }),
  },
};
