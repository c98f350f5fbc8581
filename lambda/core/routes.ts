import { LiteResponse, type EdgeRequest, type EdgeResponse } from "./http.js";

/** An extra unauthenticated route (`EdgeOptions.routes`): a response, or undefined to pass. */
export type ExtraRoute = (req: Request) => Promise<Response | undefined>;

/**
 * Runs the extra routes on one request: the first response wins; otherwise `{ preread }`, the body
 * it had to read to build a standard `Request` from a non-Fetch one (`null` when it read none), so
 * the edge reuses it instead of reading twice. A body over the limit is the 413 `readBody` returns.
 */
export type RouteRunner = (req: EdgeRequest, readBody: (req: EdgeRequest) => Promise<string | undefined | LiteResponse>) => Promise<EdgeResponse | { preread: string | undefined | null }>;

/**
 * The runner of `routes`, or undefined when there are none. Kept out of the edge's request path
 * (and out of the Lambda bundles, whose entries take no extra routes), since only extra routes
 * need a standard `Request`, i.e. the Fetch API.
 */
export function routeRunner(routes: readonly ExtraRoute[] | undefined): RouteRunner | undefined {
  if (!routes?.length) return undefined;
  return async (req, readBody) => {
    let asFetch: Request;
    let preread: string | undefined | null = null;
    if (typeof (req as Request).clone === "function") asFetch = req as Request;
    else {
      const body = await readBody(req);
      if (body instanceof LiteResponse) return body;
      preread = body;
      const headers: Array<[string, string]> = [];
      req.headers.forEach((v, k) => headers.push([k, v]));
      asFetch = new Request(req.url, { method: req.method, headers, ...(body !== undefined ? { body } : {}) });
    }
    for (const route of routes) {
      const r = await route(asFetch);
      if (r) return r;
    }
    return { preread };
  };
}
