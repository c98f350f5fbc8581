import type { Edge } from "../core/edge.js";

/**
 * An `Edge` whose creation waits for something asynchronous at init (the secrets read from AWS
 * Secrets Manager), for the CommonJS Lambda bundle, which cannot await at the top level.
 *
 * The adapters receive this stand-in synchronously, so `awslambda.streamifyResponse` still wraps
 * the handler at init. Every method call waits for the real edge; once it exists, calls go
 * straight to it. When creation fails (an unreadable secret, a bad config), every call rejects
 * with that error, so each request fails closed (the function answers an error, never an allow),
 * and the error is logged once, at init.
 */
export function deferredEdge(ready: Promise<Edge>, log: (message: string) => void): Edge {
  let edge: Edge | undefined;
  const settled = ready.then(
    (e) => {
      edge = e;
      return e;
    },
    (err: unknown) => {
      log((err as Error)?.message ?? String(err));
      throw err;
    },
  );
  // Rejections are rethrown to each caller; this keeps Node from treating the init failure as unhandled.
  settled.catch(() => undefined);
  return new Proxy({} as Edge, {
    get(_target, prop) {
      if (edge) {
        const v = Reflect.get(edge, prop, edge);
        return typeof v === "function" ? v.bind(edge) : v;
      }
      if (prop === "then") return undefined; // not a thenable
      // Before the edge exists only methods can be used: they wait for it.
      return async (...args: unknown[]) => {
        const e = await settled;
        const fn = Reflect.get(e, prop, e);
        if (typeof fn !== "function") throw new TypeError(`Edge.${String(prop)} is not a method`);
        return fn.apply(e, args);
      };
    },
  });
}
