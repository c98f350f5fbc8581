import type * as azuread from "@pulumi/azuread";
import { resourceUriProblem } from "pulumi-mcp-auth";
import { resourcePolicy } from "../policy.js";

/**
 * Entra accepts an RFC 8707 `resource` only when it equals an identifier URI, and MCP clients send
 * the server's canonical URI; so an MCP API's identifier URIs must be canonical https URIs.
 * `api://` identifiers are allowed only when the application also has a canonical https one.
 * @severity medium
 * @link mcp-authorization.md pitfalls 2–4
 */
export const entraApplicationCanonicalIdentifierUris = resourcePolicy<azuread.ApplicationArgs & azuread.ApplicationIdentifierUriArgs>({
  name: "entra-application-canonical-identifier-uris",
  description: "Entra applications must use canonical https resource URIs as identifier URIs (https, non-empty path, no trailing slash, query or fragment).",
  enforcementLevel: "mandatory",
  severity: "medium",
  resourceType: ["azuread:index/application:Application", "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri"],
  validate(props, _config, report) {
    const uris = [...(props.identifierUris ?? []), ...(props.identifierUri ? [props.identifierUri] : [])];
    const hasCanonical = uris.some((u) => !resourceUriProblem(u));
    for (const uri of uris) {
      if (uri.startsWith("api://") && (hasCanonical || props.identifierUri)) continue;
      const problem = resourceUriProblem(uri);
      if (problem) report(`Entra identifier URI '${uri}' ${problem}; use the MCP server's canonical URI (e.g. 'https://mcp.example.com/crm') on a verified domain.`);
    }
  },
});
