import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { McpAuthPlan } from "../plan/schema.js";
import { readBodyText } from "./body.js";
import { sameSecret } from "./client-auth.js";
import { FEDERATION_CALLBACK_PATH, type Federation } from "./federation.js";
import { esc, errorPage, layout } from "./pages.js";
import type { Revoker } from "./revocation.js";
import type { ConsentRecord, FrontStore } from "./store/types.js";

/**
 * The user's grants page (`/grants`): after signing in at the upstream IdP, a user sees every
 * consent they gave (client, MCP server, scopes and when) and revokes one grant or all of them.
 * Revocation takes effect at once in the front and reaches the edge through the revocation list.
 */

export const GRANTS_PATH = "/grants";
const COOKIE = "mcp_front_grants";
/** Binds a grants-page sign-in to the browser that started it (no login CSRF through the callback). */
const SIGNIN_COOKIE = "mcp_front_grants_signin";
const SESSION_MODEL = "GrantsSession";
const SESSION_SECONDS = 15 * 60;

interface Session {
  sub: string;
  csrf: string;
}

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
};

function cookieOf(req: IncomingMessage, name = COOKIE): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

function when(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function page(plan: McpAuthPlan, consents: ConsentRecord[], csrf: string, notice?: string): string {
  const rows = consents
    .map((c) => {
      const server = plan.servers.find((s) => s.resource === c.resource);
      const scopes = Object.entries(c.scopes)
        .sort()
        .map(([s, at]) => `<li><code>${esc(s)}</code> <span class="muted">since ${esc(when(at))}</span></li>`)
        .join("");
      return `<fieldset><legend>${esc(server?.displayName ?? c.resource)}</legend><p>Client <code>${esc(c.clientId)}</code> <span class="muted">${esc(c.resource)}</span></p><ul>${scopes || "<li class=muted>no scopes</li>"}</ul>
<form method="post" action="${GRANTS_PATH}/revoke"><input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="client_id" value="${esc(c.clientId)}"><input type="hidden" name="resource" value="${esc(c.resource)}"><button type="submit">Revoke</button></form></fieldset>`;
    })
    .join("");
  return layout(
    "Your grants",
    `${notice ? `<p class="warn">${esc(notice)}</p>` : ""}${rows || "<p>You have not granted any client access.</p>"}
${rows ? `<form method="post" action="${GRANTS_PATH}/revoke-all"><input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit">Revoke everything</button></form>` : ""}`,
  );
}

export function createGrantsPage(deps: { plan: McpAuthPlan; store: FrontStore; federation: Federation; revoker: Revoker; issuer: string; now: () => number }) {
  const sessions = deps.store.adapter(SESSION_MODEL);
  const secure = deps.issuer.startsWith("https:") ? "; Secure" : "";

  async function session(req: IncomingMessage): Promise<{ id: string; s: Session } | undefined> {
    const id = cookieOf(req);
    if (!id || !/^[A-Za-z0-9_-]{20,64}$/.test(id)) return undefined;
    const s = (await sessions.find(id)) as unknown as Session | undefined;
    return s ? { id, s } : undefined;
  }

  return {
    /** The upstream sign-in for the grants page finished: open a short session (same browser only). */
    async signedIn(req: IncomingMessage, res: ServerResponse, sub: string, state: string): Promise<void> {
      const started = cookieOf(req, SIGNIN_COOKIE);
      if (!started || !sameSecret(started, state)) {
        res.writeHead(400, HEADERS);
        return void res.end(errorPage("Sign-in refused", "This sign-in was not started in this browser. Open the grants page again."));
      }
      const id = randomBytes(24).toString("base64url");
      await sessions.upsert(id, { sub, csrf: randomBytes(24).toString("base64url") } as never, SESSION_SECONDS);
      res.writeHead(303, {
        location: GRANTS_PATH,
        "cache-control": "no-store",
        "set-cookie": [`${COOKIE}=${id}; Path=${GRANTS_PATH}; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}${secure}`, `${SIGNIN_COOKIE}=; Path=${FEDERATION_CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age=0${secure}`],
      });
      res.end();
    },

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const path = (req.url ?? "/").split("?")[0];
      const current = await session(req);
      if (req.method === "GET" && path === GRANTS_PATH) {
        if (!current) {
          const location = await deps.federation.start("grants");
          const state = new URL(location).searchParams.get("state") ?? "";
          res.writeHead(303, { location, "cache-control": "no-store", "set-cookie": `${SIGNIN_COOKIE}=${state}; Path=${FEDERATION_CALLBACK_PATH}; HttpOnly; SameSite=Lax; Max-Age=600${secure}` });
          return void res.end();
        }
        res.writeHead(200, HEADERS);
        return void res.end(page(deps.plan, await deps.store.listConsentsBySub(current.s.sub), current.s.csrf));
      }
      if (req.method !== "POST" || (path !== `${GRANTS_PATH}/revoke` && path !== `${GRANTS_PATH}/revoke-all`)) {
        res.writeHead(404, HEADERS);
        return void res.end(errorPage("Not found", "No such page."));
      }
      if (!current) {
        res.writeHead(401, HEADERS);
        return void res.end(errorPage("Signed out", "Your session on this page has ended. Open the grants page again to sign in."));
      }
      const form = new URLSearchParams(await readBodyText(req, 16 * 1024, "form body"));
      if (!sameSecret(form.get("csrf") ?? "", current.s.csrf)) {
        res.writeHead(403, HEADERS);
        return void res.end(errorPage("Request refused", "The form's CSRF token is missing or wrong. Reload the page and try again."));
      }
      if (path === `${GRANTS_PATH}/revoke-all`) {
        await deps.revoker.user(current.s.sub, "user");
      } else {
        const consent = await deps.store.getConsent(current.s.sub, form.get("client_id") ?? "", form.get("resource") ?? "");
        if (consent) {
          for (const g of consent.grantIds) await deps.revoker.grant(g, "user");
          await deps.store.deleteConsent(consent.sub, consent.clientId, consent.resource);
        }
      }
      res.writeHead(303, { location: GRANTS_PATH, "cache-control": "no-store" });
      res.end();
    },
  };
}
