import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { CimdError } from "../../components/front/registration/cimd.js";
import crm from "../../stacks/crm/mcp-auth.js";
import { compile } from "../../components/plan/compile.js";
import type { McpAuthPlan, PlanTier } from "../../components/plan/schema.js";

export function crmPlan(): McpAuthPlan {
  return compile(structuredClone(crm));
}

export function tierOf(plan: McpAuthPlan, registration: PlanTier["registration"]): PlanTier {
  const t = plan.tiers.find((x) => x.registration === registration);
  if (!t) throw new Error(`CRM example has no ${registration} tier`);
  return t;
}

/** A loopback HTTP server whose routes tests set, counting requests per path. */
export interface DocServer {
  origin: string;
  hits: Map<string, number>;
  route(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function docServer(): Promise<DocServer> {
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const h = routes.get(path);
    if (h) h(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    route: (p, h) => routes.set(p, h),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export function json(body: unknown, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

/** The `CimdError` a resolver call is refused with (fails the test if it resolves or throws anything else). */
export async function cimdRefusal(promise: Promise<unknown>): Promise<CimdError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CimdError);
  return err as CimdError;
}
