import type { IncomingMessage, ServerResponse } from "node:http";
import { parseFilter, toCsv } from "./records.js";
import { CookieSigner, createSignIn, SESSION_TTL_SECONDS, type Principal, type SignInOptions } from "./session.js";
import type { AuditSource } from "./source.js";
import { APP_CSS, APP_JS, pageHtml } from "./page.js";

/**
 * The customer-admin audit surface: a read-only page and JSON API over the audit records where they
 * are stored, behind the organisation's IdP sign-in. Only members of the admin group get in; an admin
 * whose sign-in carries a tenant sees only that tenant's records.
 *
 *   GET  /                         the page (sign-in first)
 *   GET  /api/me                   the signed-in admin
 *   GET  /api/records?…            a page of matching records, newest first (filters: records.ts)
 *   GET  /api/records/<chain>/<seq> one record with its chain position and verification status
 *   GET  /api/export?format=csv|json&…  every matching record (at most `maxExport`) as a download
 */
export interface AuditSurfaceOptions {
  source: AuditSource;
  signIn: SignInOptions;
  /** IdP group whose members may use the surface (from the declaration). */
  adminGroup: string;
  /** Path the surface is mounted at, e.g. `/audit` (default `/`). */
  basePath?: string;
  /** Key for session cookies (default: random per process, so restarts sign everyone out). */
  cookieKey?: Buffer;
  /** Largest export, records (default 100,000). */
  maxExport?: number;
  /** Clock, ms (tests). */
  now?: () => number;
  /** One line per sign-in or refusal (never a token or code). */
  log?: (line: string) => void;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, ...extra });
  res.end(body);
}
const json = (res: ServerResponse, status: number, v: unknown, extra: Record<string, string | string[]> = {}): void => send(res, status, "application/json; charset=utf-8", `${JSON.stringify(v)}\n`, extra);

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export interface AuditSurface {
  /** node:http request listener. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function createAuditSurface(opts: AuditSurfaceOptions): AuditSurface {
  const base = (opts.basePath ?? "/").replace(/\/+$/, "");
  const signer = new CookieSigner(opts.cookieKey);
  const signIn = createSignIn(opts.signIn, signer);
  const secure = new URL(opts.signIn.redirectUri).protocol === "https:";
  const cookieAttrs = `Path=${base || "/"}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
  const SESSION = "mcp_audit_session";
  const PENDING = "mcp_audit_signin";
  const nowS = (): number => Math.floor((opts.now?.() ?? Date.now()) / 1000);
  const maxExport = opts.maxExport ?? 100_000;

  const principalOf = (req: IncomingMessage): (Principal & { exp: number }) | undefined => signer.open<Principal & { exp: number }>(cookies(req).get(SESSION), nowS());

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://surface.invalid");
    if (base && !(url.pathname === base || url.pathname.startsWith(`${base}/`))) return json(res, 404, { error: "not_found" });
    const path = url.pathname.slice(base.length) || "/";
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD" && !(method === "POST" && path === "/logout")) return json(res, 405, { error: "method_not_allowed" }, { allow: "GET, HEAD" });

    if (path === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", APP_JS, { "cache-control": "no-cache" });
    if (path === "/app.css") return send(res, 200, "text/css; charset=utf-8", APP_CSS, { "cache-control": "no-cache" });
    if (path === "/login") {
      const returnTo = url.searchParams.get("return") ?? `${base}/`;
      const safeReturn = returnTo.startsWith(`${base}/`) && !returnTo.startsWith("//") ? returnTo : `${base}/`;
      const { url: to, pending } = await signIn.begin(safeReturn, nowS());
      return send(res, 302, "text/plain; charset=utf-8", "", { location: to, "set-cookie": `${PENDING}=${pending}; ${cookieAttrs}; Max-Age=600` });
    }
    if (path === "/callback") {
      try {
        const { principal, returnTo } = await signIn.complete(new URL(`${opts.signIn.redirectUri}${url.search}`), cookies(req).get(PENDING), nowS());
        const session = signer.seal({ ...principal, exp: nowS() + SESSION_TTL_SECONDS });
        opts.log?.(`audit surface: ${principal.name} signed in${principal.groups.includes(opts.adminGroup) ? "" : " (not an audit admin)"}`);
        return send(res, 302, "text/plain; charset=utf-8", "", { location: returnTo, "set-cookie": [`${SESSION}=${session}; ${cookieAttrs}; Max-Age=${SESSION_TTL_SECONDS}`, `${PENDING}=; ${cookieAttrs}; Max-Age=0`] });
      } catch (err) {
        opts.log?.(`audit surface: sign-in failed: ${(err as Error).message.split("\n")[0]}`);
        return send(res, 400, "text/html; charset=utf-8", pageHtml(base, "Sign-in failed. Close this tab and sign in again."));
      }
    }
    if (path === "/logout") {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== new URL(opts.signIn.redirectUri).origin) return json(res, 403, { error: "forbidden_origin" });
      return send(res, 303, "text/plain; charset=utf-8", "", { location: `${base}/`, "set-cookie": `${SESSION}=; ${cookieAttrs}; Max-Age=0` });
    }

    const who = principalOf(req);
    const isApi = path.startsWith("/api/");
    if (!who) {
      if (isApi) return json(res, 401, { error: "sign_in_required", sign_in: `${base}/login` });
      return send(res, 302, "text/plain; charset=utf-8", "", { location: `${base}/login?return=${encodeURIComponent(`${base}${path}`)}` });
    }
    if (!who.groups.includes(opts.adminGroup)) {
      opts.log?.(`audit surface: refused ${who.name}: not in the admin group`);
      const message = `Signed in as ${who.name}, who is not in the audit admin group '${opts.adminGroup}'.`;
      return isApi ? json(res, 403, { error: "not_an_audit_admin", error_description: message }) : send(res, 403, "text/html; charset=utf-8", pageHtml(base, message));
    }
    const tenant = who.tenant;

    if (path === "/") return send(res, 200, "text/html; charset=utf-8", pageHtml(base));
    if (path === "/api/me") return json(res, 200, { user: who.name, sub: who.sub, groups: who.groups, ...(tenant ? { tenant } : {}) });
    if (path === "/api/records" || path === "/api/export") {
      const params = new URLSearchParams(url.searchParams);
      // `format` belongs to the export; on the records API it is an unknown filter.
      const format = path === "/api/export" ? (params.get("format") ?? "json") : "json";
      if (path === "/api/export") params.delete("format");
      const parsed = parseFilter(params);
      if (!parsed.ok) return json(res, 400, { error: "invalid_filter", error_description: parsed.error });
      if (path === "/api/records") return json(res, 200, await opts.source.query(parsed.filter, tenant));
      if (format !== "csv" && format !== "json") return json(res, 400, { error: "invalid_filter", error_description: "format: must be 'csv' or 'json'" });
      const records = await opts.source.exportRecords(parsed.filter, maxExport, tenant);
      const name = `audit-export.${format}`;
      const disposition = { "content-disposition": `attachment; filename="${name}"` };
      if (format === "csv") return send(res, 200, "text/csv; charset=utf-8", toCsv(records), disposition);
      return send(res, 200, "application/json; charset=utf-8", `${JSON.stringify(records.map((r) => ({ ...r.raw, verification: r.verification })), null, 2)}\n`, disposition);
    }
    const m = /^\/api\/records\/([^/]+)\/(\d{1,12})$/.exec(path);
    if (m) {
      const r = await opts.source.record(decodeURIComponent(m[1]!), Number(m[2]), tenant);
      return r ? json(res, 200, r) : json(res, 404, { error: "not_found" });
    }
    return json(res, 404, { error: "not_found" });
  }

  return {
    handle(req, res) {
      route(req, res).catch((err: Error) => {
        opts.log?.(`audit surface: error: ${err.message.split("\n")[0]}`);
        if (!res.headersSent) json(res, 503, { error: "audit_source_unavailable" });
        else res.end();
      });
    },
  };
}
