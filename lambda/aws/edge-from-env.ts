import { AUDIT_ENV } from "./audit-checkpoints.js";
import { edgeWithForwarder, type Edge, type EdgeOptions } from "../core/edge.js";
import type { FetchApiParts } from "../core/edge-authorize.js";
import type { Forwarder } from "../core/forward.js";
import { entryInputs } from "../entry-config.js";
import { deferredEdge } from "./deferred-edge.js";
import { loadEdgeSecrets, usesSecretsManager } from "./secrets.js";

/**
 * The edge of both Lambda entries (gateway `aws-entry.ts`, authorizer `aws/authorizer-entry.ts`).
 *
 * `inputs` are what the entry read once, at init (`entryInputs`: `edge-config.json` next to the
 * bundle, or `MCP_EDGE_CONFIG_PATH` / `MCP_EDGE_CONFIG`). When `MCP_EDGE_ASSERTION_KEY_ARN` or
 * `MCP_EDGE_SECRETS_ARN` is set (what `McpEdge` deploys), the secrets are read once from AWS
 * Secrets Manager (`secrets.ts`) and the edge is created when they arrive; requests wait for it.
 * Otherwise (local runs, tests) the edge is created now. `createEdge` validates every config with
 * zod and names a bad field; an introspection secret the config names but nobody provides is named
 * too, so a half-configured edge never serves. `upstream` makes the upstream forwarder (the gateway:
 * `nodeForwarder`; the authorizer, which never forwards, one that refuses, so its bundle leaves the
 * node:http forwarder out). `fetchApi` (`FETCH_API`): for the entry that decides
 * alone and answers with standard `Response`s (`edge.authorize`, `edge.handle`: the REST authorizer).
 */
export function edgeFromEnvironment(inputs: ReturnType<typeof entryInputs>, env: NodeJS.ProcessEnv, upstream: () => Forwarder, fetchApi?: FetchApiParts): Edge {
  const [configs, options] = inputs;
  // The forwarder is named by the entry (not `createEdge`'s default), which keeps the Fetch API forwarder out of the bundles.
  if (!usesSecretsManager(env)) return edgeWithForwarder(configs as never, options, upstream(), undefined, fetchApi);
  const ready = loadEdgeSecrets(env).then((s) => {
    // Named secrets from Secrets Manager first; the environment only for names it does not hold.
    const opts: EdgeOptions = { ...options, secrets: (name) => s.values[name] ?? env[name] };
    // The audit HMAC key is stored with the named secrets (never in the environment).
    const hmac = s.values[AUDIT_ENV.hmacKey];
    if (hmac !== undefined) opts.auditHmacKey = hmac;
    if (s.assertionKey) opts.assertionKey = s.assertionKey;
    return edgeWithForwarder(configs as never, opts, upstream(), undefined, fetchApi);
  });
  return deferredEdge(ready, (message) => process.stderr.write(`${JSON.stringify({ level: "error", event: "edge_init_failed", detail: message })}\n`));
}
