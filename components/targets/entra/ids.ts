import { createHash } from "node:crypto";

/**
 * Deterministic identifiers and legal Entra values for the Entra target.
 *
 * Entra keys delegated permissions (`oauth2PermissionScopes[].id`) and app roles (`appRoles[].id`)
 * by UUIDs that clients, pre-authorizations and consent grants refer to. Random ids would churn on
 * every re-run (and orphan consent), so ids are RFC 9562 §5.5 name-based UUIDs (version 5, SHA-1)
 * of the resource URI and the scope or role name: the same declaration always yields the same ids,
 * in every stack and on every machine.
 */

/** RFC 9562 Appendix A: the URL namespace. */
export const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RFC 9562 §5.5 UUID version 5 of `name` (UTF-8) in `namespace`.
 * @throws TypeError when `namespace` is not a UUID.
 */
export function uuidV5(namespace: string, name: string): string {
  if (!UUID_RE.test(namespace)) throw new TypeError(`uuidV5: namespace '${namespace}' is not a UUID`);
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(Buffer.from(name, "utf8")).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50; // version 5
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The toolkit's own namespace, itself a v5 UUID of its URL in the URL namespace. */
export const ENTRA_ID_NAMESPACE = uuidV5(URL_NAMESPACE, "https://github.com/pulumi-mcp-auth/pulumi-mcp-auth#entra");

/** Stable `oauth2PermissionScopes[].id` for a declared scope on one MCP server (resource URI). */
export function stableScopeId(resource: string, scope: string): string {
  return uuidV5(ENTRA_ID_NAMESPACE, `${resource}#scope:${scope}`);
}

/** Stable `appRoles[].id` for a declared group's role on one MCP server (resource URI). */
export function stableRoleId(resource: string, group: string): string {
  return uuidV5(ENTRA_ID_NAMESPACE, `${resource}#role:${group}`);
}

/** Stable `appRoles[].id` of the application permission standing for a declared scope on one MCP server. */
export function stableAppPermissionId(resource: string, scope: string): string {
  return uuidV5(ENTRA_ID_NAMESPACE, `${resource}#app-permission:${scope}`);
}

/**
 * Microsoft Graph `permissionScope.value` / `appRole.value`: at most 120 characters from
 * `: ! # $ % & ' ( ) * + , - . / ; = ? @ [ ] ^ _ { } ~ 0-9 A-Z a-z`, no space, not starting with `.`
 * (Microsoft Graph v1.0 permissionScope and appRole resource types). `crm:customers:read` is legal.
 */
const ENTRA_VALUE_CHAR = /[:!#$%&'()*+,\-./;=?@[\]^_{}~0-9A-Za-z]/;
export const ENTRA_VALUE_MAX_LENGTH = 120;
/** The Entra admin portal refuses scope values longer than this (Graph accepts up to 120). */
export const ENTRA_PORTAL_VALUE_MAX_LENGTH = 40;

/** Why `value` is not a legal Entra scope/role value, or undefined when it is. */
export function entraValueProblem(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (value.length > ENTRA_VALUE_MAX_LENGTH) return `is ${value.length} characters long (Entra allows at most ${ENTRA_VALUE_MAX_LENGTH})`;
  if (value.startsWith(".")) return "starts with '.'";
  const bad = [...new Set([...value].filter((c) => !ENTRA_VALUE_CHAR.test(c)))];
  if (bad.length) return `contains characters Entra does not allow: ${bad.map((c) => JSON.stringify(c)).join(", ")}`;
  return undefined;
}

/**
 * The `value` (and so the token's `scp` entry) Entra publishes for a declared scope. A legal name
 * is used as is; anything else is mapped deterministically: illegal characters become `_`, a
 * leading `.` is dropped, and a short hash of the original name is appended so two names that
 * sanitise alike stay distinct. The edge maps the value back through `scopeAliases`.
 */
export function entraScopeValue(scope: string): string {
  if (entraValueProblem(scope) === undefined) return scope;
  const suffix = createHash("sha256").update(scope, "utf8").digest("hex").slice(0, 8);
  const cleaned = [...scope].map((c) => (ENTRA_VALUE_CHAR.test(c) ? c : "_")).join("").replace(/^\.+/, "");
  return `${cleaned.slice(0, ENTRA_VALUE_MAX_LENGTH - suffix.length - 1)}.${suffix}`.replace(/^\./, "x.");
}

/**
 * App-role value of the application permission for a declared scope: `app.<scope>`. Scopes and app
 * roles share one value namespace per application, so the scope's own value cannot be reused.
 */
export function entraAppPermissionValue(scope: string): string {
  return entraScopeValue(`app.${scope}`);
}

/** App-role value for a declared group: `group.<name>` (never collides with `<domain>:<resource>:<verb>` scopes). */
export function entraRoleValue(group: string): string {
  return entraScopeValue(`group.${group}`);
}
