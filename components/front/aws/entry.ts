import type { JWK } from "jose";
import type { McpAuthPlan } from "../../plan/schema.js";
import { createFront } from "../front.js";
import { createFrontHandler, type FrontHandlerDeps, type FrontLambdaHandler } from "./handler.js";

export { createDefaultDynamoClient } from "./handler.js";

/**
 * The Lambda entry of the front's AWS home (bundled by `build.ts` into `index.cjs`, handler
 * `index.handler`): the handler of `handler.ts` with the front itself as its request listener.
 */

/** The handler with injectable sources (tests, the cold-start benchmark); the deployed one uses the defaults. */
export function createHandler(deps: Omit<FrontHandlerDeps, "createListener"> = {}): FrontLambdaHandler {
  return createFrontHandler({
    ...deps,
    async createListener(ctx) {
      const front = await createFront({
        plan: ctx.config.plan as unknown as McpAuthPlan,
        issuer: ctx.issuer,
        signingKey: ctx.signingKey as unknown as JWK,
        cookieKeys: ctx.cookieKeys,
        store: ctx.store,
        upstream: ctx.upstream,
        edgeClient: ctx.edgeClient,
        clientCredentials: ctx.clientCredentials as Record<string, { publicJwk?: JWK; clientSecret?: string }>,
        ...(ctx.config.dcrDenyList ? { dcrDenyList: ctx.config.dcrDenyList } : {}),
        // The adapter sets X-Forwarded-Host/Proto to the issuer's origin (also behind CloudFront).
        trustProxy: true,
        log: ctx.log,
      });
      return front.handle;
    },
  });
}

export const handler: FrontLambdaHandler = createHandler();
