/**
 * Server-rendered HTML for the front's pages (consent, step-up, grants) and the embedded dev IdP's
 * login. No JavaScript; every interpolated value goes through `esc`. Forms carry a CSRF token
 * (checked by their handlers) and post back to the same origin.
 */

/** HTML-escapes text for element content and double-quoted attributes. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.35rem}h2{font-size:1.05rem;margin-top:1.4rem}fieldset{border:1px solid #ccd;border-radius:6px;margin:.8rem 0;padding:.6rem 1rem}
legend{font-weight:600}.muted{color:#666;font-size:.9em}.warn{background:#fff4e5;border:1px solid #f0b429;border-radius:6px;padding:.5rem .8rem}
.sens{font-size:.75em;text-transform:uppercase;border-radius:3px;padding:0 .35em;margin-left:.4em;border:1px solid #999}
.high{border-color:#d97706;color:#b45309}.critical{border-color:#dc2626;color:#b91c1c}button{font-size:1rem;padding:.35rem 1rem;margin-right:.5rem}
label{display:block;margin:.25rem 0}code{background:#f2f2f5;padding:0 .25em;border-radius:3px}`;

/** Wraps a page body in the shared layout. */
export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${body}<p class="muted">pulumi-mcp-auth authorization front</p></body></html>`;
}

/** One scope as shown to a user. */
export interface ScopeView {
  name: string;
  displayName: string;
  description: string;
  sensitivity: string;
  /** Access-token lifetime for this scope's sensitivity, minutes. */
  minutes?: number;
}

/** What the consent page shows for one MCP server (resource). */
export interface ResourceConsentView {
  resource: string;
  serverName: string;
  mandatory: ScopeView[];
  optional: ScopeView[];
  stepUp: ScopeView[];
  unavailable: Array<ScopeView & { reason: string }>;
}

/** Facts about the client shown on every page (MCP: display the redirect URI host). */
export interface ClientView {
  clientId: string;
  name: string;
  tier: string;
  redirectHost: string;
  /**
   * A client ID metadata document client whose redirect URIs are all loopback: any program on the
   * user's computer can receive its authorization, whatever the document says (shown as a warning).
   */
  loopbackOnly?: boolean;
}

function sensBadge(s: string): string {
  return s === "routine" ? "" : `<span class="sens ${esc(s)}">${esc(s)}</span>`;
}

function scopeLine(s: ScopeView): string {
  return `<strong>${esc(s.displayName)}</strong>${sensBadge(s.sensitivity)} <code>${esc(s.name)}</code><br><span class="muted">${esc(s.description)}</span>`;
}

function clientBox(c: ClientView): string {
  const box = `<p><strong>${esc(c.name)}</strong> <span class="muted">(client <code>${esc(c.clientId)}</code>, tier <code>${esc(c.tier)}</code>)</span> will be sent back to <strong>${esc(c.redirectHost)}</strong>.</p>`;
  if (!c.loopbackOnly) return box;
  return `${box}<p class="warn">This client only returns to a program on your own computer (<strong>${esc(c.redirectHost)}</strong>). Its published description cannot prove which program that is: any program running on this computer could be waiting there. Continue only if you started this connection yourself, just now, from ${esc(c.name)}.</p>`;
}

/** The dev login page: pick one of the seeded users. */
export function loginPage(action: string, abort: string, csrf: string, client: ClientView, users: Array<{ username: string; name: string; email: string; groups: string[] }>): string {
  const options = users
    .map((u, i) => `<label><input type="radio" name="username" value="${esc(u.username)}"${i === 0 ? " checked" : ""}> <strong>${esc(u.name)}</strong> <code>${esc(u.username)}</code> <span class="muted">${esc(u.email)} · groups: ${esc(u.groups.join(", ") || "none")}</span></label>`)
    .join("");
  return layout(
    "Sign in (dev users)",
    `${clientBox(client)}<p class="warn">Development login: seeded users from the declaration, no passwords.</p>
<form method="post" action="${esc(action)}"><input type="hidden" name="csrf" value="${esc(csrf)}"><fieldset><legend>User</legend>${options || "<p>No dev users declared (dev.users).</p>"}</fieldset>
<button type="submit">Sign in</button></form><form method="post" action="${esc(abort)}"><input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit">Cancel</button></form>`,
  );
}

/** The consent page: mandatory scopes fixed, optional scopes ticked but untickable, step-up announced. */
export function consentPage(action: string, csrf: string, client: ClientView, user: string, views: ResourceConsentView[]): string {
  const sections = views
    .map((v) => {
      const parts: string[] = [`<h2>${esc(v.serverName)} <span class="muted">${esc(v.resource)}</span></h2>`];
      if (v.mandatory.length) parts.push(`<fieldset><legend>Required</legend>${v.mandatory.map((s) => `<label>✔ ${scopeLine(s)}</label>`).join("")}</fieldset>`);
      if (v.optional.length)
        parts.push(
          `<fieldset><legend>Optional (untick to decline)</legend>${v.optional.map((s) => `<label><input type="checkbox" name="optional" value="${esc(`${v.resource} ${s.name}`)}" checked> ${scopeLine(s)}</label>`).join("")}</fieldset>`,
        );
      if (v.stepUp.length) parts.push(`<fieldset><legend>Needs step-up confirmation next</legend>${v.stepUp.map((s) => `<label>${scopeLine(s)}</label>`).join("")}</fieldset>`);
      if (v.unavailable.length) parts.push(`<fieldset><legend>Not granted</legend>${v.unavailable.map((s) => `<label>✘ ${scopeLine(s)} <em>${esc(s.reason)}</em></label>`).join("")}</fieldset>`);
      if (parts.length === 1) parts.push(`<p class="muted">No new permissions requested.</p>`);
      return parts.join("");
    })
    .join("");
  return layout(
    "Authorize access",
    `${clientBox(client)}<p>Signed in as <strong>${esc(user)}</strong>.</p><form method="post" action="${esc(action)}"><input type="hidden" name="csrf" value="${esc(csrf)}">${sections}
<p><button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button></p></form>`,
  );
}

/** The step-up page for high and critical scopes: per-scope opt-in plus re-typing the username. */
export function stepUpPage(action: string, csrf: string, client: ClientView, user: string, views: ResourceConsentView[], error?: string): string {
  const rows = views
    .flatMap((v) => v.stepUp.map((s) => `<label><input type="checkbox" name="scope" value="${esc(`${v.resource} ${s.name}`)}"> ${scopeLine(s)} <span class="muted">— ${esc(v.serverName)}; tokens live ${esc(s.minutes ?? "?")} min</span></label>`))
    .join("");
  return layout(
    "Confirm sensitive access",
    `${clientBox(client)}${error ? `<p class="warn">${esc(error)}</p>` : ""}<p class="warn">These permissions are <strong>high</strong> or <strong>critical</strong>. Tick each one you want to grant and re-enter your username to confirm.</p>
<form method="post" action="${esc(action)}"><input type="hidden" name="csrf" value="${esc(csrf)}"><fieldset><legend>Sensitive permissions</legend>${rows}</fieldset>
<label>Username (signed in as ${esc(user)}): <input name="confirm_username" autocomplete="off" required></label>
<p><button type="submit" name="decision" value="allow">Confirm</button><button type="submit" name="decision" value="skip">Skip these</button></p></form>`,
  );
}

/** A plain error page. */
export function errorPage(title: string, message: string): string {
  return layout(title, `<p class="warn">${esc(message)}</p>`);
}
