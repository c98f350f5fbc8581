import type * as okta from "@pulumi/okta";
import { sensitiveVerbWord } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/** Consent values under which Okta shows the user a consent dialog (`FLEXIBLE` also lets services ask for the scope). */
const PROMPTING = new Set(["REQUIRED", "FLEXIBLE"]);

/**
 * A scope that deletes, exports or sends in bulk must be consented to by the user. Okta's default
 * (`consent` omitted) is `IMPLICIT`: no dialog at all.
 * @severity high
 * @link okta/terraform-provider-okta docs/resources/auth_server_scope.md (`consent`: REQUIRED, IMPLICIT or FLEXIBLE; default IMPLICIT)
 */
export const oktaAuthServerScopeSensitiveConsent = resourcePolicy<okta.auth.ServerScopeArgs>({
  name: "okta-auth-server-scope-sensitive-consent",
  description: "Okta scopes with a destructive or exfiltrating verb must ask for the user's consent (consent REQUIRED or FLEXIBLE; omitted means IMPLICIT).",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "okta:auth/serverScope:ServerScope",
  validate(props, _config, report) {
    const word = typeof props.name === "string" ? sensitiveVerbWord(props.name) : undefined;
    if (!word || PROMPTING.has(String(props.consent ?? ""))) return;
    const given = props.consent === undefined ? "no consent setting (Okta's default is IMPLICIT)" : `consent '${props.consent}'`;
    report(`Okta scope '${props.name}' (verb '${word}') has ${given}, so users are never asked; set 'consent: "REQUIRED"' (or "FLEXIBLE" when an agent tier must request it).`);
  },
});
