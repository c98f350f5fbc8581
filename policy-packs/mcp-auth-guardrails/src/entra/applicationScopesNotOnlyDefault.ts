import type * as azuread from "@pulumi/azuread";
import { resourcePolicy } from "../policy.js";

/** The scope values Entra's templates and quick-starts create: one permission for the whole API. */
export const ENTRA_DEFAULT_SCOPES: ReadonlySet<string> = new Set(["user_impersonation", "access_as_user"]);

/**
 * An API that exposes only `user_impersonation` or `access_as_user` grants every client the
 * whole API: an omnibus scope under a default name.
 * @severity high
 * @link MCP 2026-07-28 Scope Minimization (no omnibus scopes); Microsoft identity platform, "Scopes and permissions"
 */
export const entraApplicationScopesNotOnlyDefault = resourcePolicy<azuread.ApplicationArgs>({
  name: "entra-application-scopes-not-only-default",
  description: "Entra APIs must expose per-resource, per-verb scopes, not only a default 'user_impersonation' or 'access_as_user' scope.",
  enforcementLevel: "mandatory",
  severity: "high",
  resourceType: "azuread:index/application:Application",
  validate(props, _config, report) {
    const values = (props.api?.oauth2PermissionScopes ?? []).map((s) => s.value).filter((v): v is string => typeof v === "string");
    if (values.length === 0 || !values.every((v) => ENTRA_DEFAULT_SCOPES.has(v))) return;
    report(
      `Entra application '${props.displayName}' exposes only ${values.map((v) => `'${v}'`).join(" and ")}, which grants the whole API; declare one scope per resource and verb (e.g. 'crm.customers.read').`,
    );
  },
});
