import type { Adapter } from "oidc-provider";
import { errors } from "oidc-provider";
import type { McpAuthPlan } from "../plan/schema.js";
import { isPerAction } from "./consent-policy.js";
import type { CimdResolver } from "./registration/wiring.js";
import type { RequestReads } from "./request-reads.js";
import type { FrontStore } from "./store/types.js";

/** How long a registered client's metadata is kept per instance. */
export const CLIENT_CACHE_SECONDS = 300;
const CLIENT_CACHE_MAX = 1000;

/** A URL client ID: a client ID metadata document (draft-ietf-oauth-client-id-metadata-document). */
export function isUrlClientId(id: string): boolean {
  return /^https?:\/\//i.test(id);
}

/**
 * The store's adapter for one oidc-provider model, with two rules of the front on top:
 * - `Client`: a URL client ID is resolved from its metadata document (never stored);
 * - `RefreshToken`: per-action (critical) scopes are never written into a refresh token.
 * Registered (RFC 7591) clients' metadata never changes once written (the front offers no RFC 7592
 * management), so a found record is kept {@link CLIENT_CACHE_SECONDS} per instance, saving a read
 * on every token and authorization request of such a client; a write or delete through the
 * adapter drops it. A client's revocation does not depend on it (revocation records, checked on
 * every refresh, and the grants it drops).
 * With `reads`, a refresh token read also starts the reads the refresh needs next (its grant,
 * account, consent, the revocation records; see request-reads.ts), and a grant read takes the
 * prefetched one.
 */
export function modelAdapter(input: { store: FrontStore; plan: McpAuthPlan; cimd: CimdResolver | undefined; reads?: RequestReads }, name: string): Adapter {
  const inner = input.store.adapter(name);
  const delegate: Adapter = {
    upsert: (id, payload, expiresIn) => inner.upsert(id, payload, expiresIn),
    find: (id) => inner.find(id),
    findByUserCode: (code) => inner.findByUserCode(code),
    findByUid: (uid) => inner.findByUid(uid),
    consume: (id) => inner.consume(id),
    destroy: (id) => inner.destroy(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
  };
  if (name === "Client") {
    const cache = new Map<string, { payload: Awaited<ReturnType<Adapter["find"]>>; until: number }>();
    return Object.assign(delegate, {
      upsert: async (id: string, payload: Parameters<Adapter["upsert"]>[1], expiresIn: number) => {
        cache.delete(id);
        await inner.upsert(id, payload, expiresIn);
        cache.delete(id);
      },
      destroy: async (id: string) => {
        cache.delete(id);
        await inner.destroy(id);
        cache.delete(id);
      },
      async find(id: string) {
        if (!isUrlClientId(id)) {
          const hit = cache.get(id);
          if (hit && hit.until > Date.now()) return structuredClone(hit.payload);
          const payload = await inner.find(id);
          if (payload) {
            if (cache.size >= CLIENT_CACHE_MAX) cache.delete(cache.keys().next().value!);
            cache.set(id, { payload: structuredClone(payload), until: Date.now() + CLIENT_CACHE_SECONDS * 1000 });
          } else cache.delete(id);
          return payload;
        }
        if (!input.cimd) return undefined;
        try {
          return (await input.cimd.resolve(id)) as never;
        } catch (err) {
          if (err instanceof errors.OIDCProviderError) throw err;
          // A resolver's own refusal (RFC 7591 code + reason) becomes invalid_client for the caller.
          const code = (err as { code?: string }).code;
          if (code === "invalid_client" || code === "invalid_client_metadata" || code === "invalid_redirect_uri") throw new errors.InvalidClient(`client_id metadata document refused (${code}): ${(err as Error).message}`);
          throw err;
        }
      },
    });
  }
  const reads = input.reads;
  if (name === "Grant" && reads) {
    return Object.assign(delegate, { find: (id: string) => reads.takeGrant(id) ?? inner.find(id) });
  }
  if (name === "RefreshToken") {
    return Object.assign(delegate, {
      async find(id: string) {
        reads?.refreshTokenLookup();
        const payload = await inner.find(id);
        if (payload && reads) reads.refreshTokenFound(payload);
        return payload;
      },
      upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
        const scope = typeof payload["scope"] === "string" ? payload["scope"].split(" ").filter((s) => s && !isPerAction(input.plan, s)).join(" ") : payload["scope"];
        return inner.upsert(id, { ...payload, scope } as never, expiresIn);
      },
    });
  }
  return delegate;
}
