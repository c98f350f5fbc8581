import { capability, type Capability, type CapabilityReport } from "../capabilities.js";

/**
 * What the edge enforces on AWS in each mode, as data (docs/aws.md "What is and is not enforced").
 * The IdP targets mark items "edge"; this report says whether the AWS front door lets the edge do
 * them fully. Gateway mode sees every request whole; authorizer mode never sees the body.
 */
const c = capability;

const COMMON: readonly Capability[] = [
  c("audience", "Token audience = canonical resource URI", "edge", "Signature, `iss`, `aud` (incl. Entra's client-ID GUID), `exp`/`nbf` checked on every request."),
  c("immediate-revocation", "Immediate revocation", "edge", "RFC 7662 introspection for immediate-revocation scopes (3 s timeout; unreachable → fail closed)."),
  c("implications", "Scope implications (hierarchy)", "edge", "The declared implication closure is applied to the token's scopes."),
  c("token-type", "Access-token `typ`", "edge", "Checked when the IdP issues RFC 9068 tokens (`tokenTypes` in the edge config)."),
  c("scopes-supported", "Minimal `scopes_supported`", "edge", "RFC 9728 metadata served by the edge at the path-inserted well-known URL."),
  c("audit", "One audit record per decision", "edge", "Chained JSON lines in a log group with declared retention; saved Logs Insights queries, metric filters and alarms."),
  c("cold-start-offline", "No network on cold start", "edge", "With `jwksSnapshot`, the issuer's public keys ship in the deployment archive."),
];

/** Gateway mode (Function URL, optionally behind CloudFront). */
export const AWS_GATEWAY_CAPABILITIES: readonly Capability[] = [
  ...COMMON,
  c("per-tool-scopes", "Per-tool scopes", "edge", "The edge reads the JSON-RPC body (batches included) and checks `Mcp-Method`/`Mcp-Name` against it."),
  c("per-scope-lifetime", "Access-token lifetime per sensitivity", "edge", "Maximum token age (`now − iat`) for the highest sensitivity the body's calls use."),
  c("challenges", "401/403 challenges with `resource_metadata`", "edge", "Sent by the edge itself; a Function URL passes `WWW-Authenticate` through unchanged."),
  c("browser-origins", "Browser clients (CORS)", "edge", "`Origin` allow-list, preflights and exposed `WWW-Authenticate` answered by the edge."),
  c("token-not-forwarded", "Client token never reaches the server", "edge", "Allowed requests are forwarded with a signed identity assertion instead of the bearer token."),
];

/** Authorizer mode (Lambda REQUEST authorizer on an API Gateway REST API). */
export const AWS_AUTHORIZER_CAPABILITIES: readonly Capability[] = [
  ...COMMON,
  c(
    "per-tool-scopes",
    "Per-tool scopes",
    "partial",
    "Checked from the `Mcp-Method`/`Mcp-Name` headers only: API Gateway gives an authorizer no body, so the MCP server must check that the body matches them; a POST without `Mcp-Method` is denied.",
  ),
  c("per-scope-lifetime", "Access-token lifetime per sensitivity", "partial", "Maximum token age for the operation named in the headers (the body is not seen)."),
  c(
    "challenges",
    "401/403 challenges with `resource_metadata`",
    "partial",
    "Gateway responses carry them (a proxy integration's own header would be renamed): the 401 one is fixed at deploy time (no `error` code), the 403 one is the edge's exact challenge via the authorizer context.",
  ),
  c("browser-origins", "Browser clients (CORS)", "partial", "`Origin` allow-list enforced by the authorizer; preflights are the REST API's own `OPTIONS` methods."),
  c("token-not-forwarded", "Client token never reaches the server", "unsupported", "API Gateway forwards the request as received; the backend gets the authorizer context (`sub`, `client_id`, `scope`, …) in addition."),
];

/** The report for one mode. */
export function awsCapabilityReport(mode: "gateway" | "authorizer" = "gateway"): CapabilityReport {
  return { target: "aws", items: mode === "gateway" ? AWS_GATEWAY_CAPABILITIES : AWS_AUTHORIZER_CAPABILITIES };
}
