/**
 * Resource templates as the edge matches them: RFC 6570 level 1 URI templates (MCP
 * `resources/templates/list` `uriTemplate`). A level-1 expression `{var}` is a simple string
 * expansion, which percent-encodes every character outside `unreserved` (RFC 6570 §3.2.1), so an
 * expanded variable is one or more `unreserved` or `pct-encoded` characters and never contains
 * `/`, `?`, `#` or `:`. Operators of higher levels (`{+var}`, `{/var}`, `{?var}`, …), prefixes
 * (`{var:3}`), explode (`{var*}`) and lists (`{a,b}`) are refused.
 */

/** What `uriTemplateRegExp` accepts, for messages. */
export const URI_TEMPLATE_RULE = "an RFC 6570 level-1 URI template: fixed text plus at least one {name} expression (letters, digits, '_', '.'), e.g. crm://customers/{id}";

/** RFC 6570 §2.3 varname: varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded. */
const VARNAME = /^(?:\w|%[0-9A-Fa-f]{2})+(?:\.(?:\w|%[0-9A-Fa-f]{2})+)*$/;
/** What a level-1 expansion can produce (RFC 3986 unreserved and pct-encoded), at least one character. */
const EXPANDED = "(?:[\\w.~-]|%[0-9A-Fa-f]{2})+";

/**
 * The anchored RegExp matching every URI the template expands to; `undefined` when the string is
 * not a level-1 template with at least one expression.
 */
export function uriTemplateRegExp(template: string): RegExp | undefined {
  let expressions = 0;
  let source = "";
  for (const part of template.split(/(\{[^{}]*\})/)) {
    if (part[0] === "{" && part.endsWith("}")) {
      if (!VARNAME.test(part.slice(1, -1))) return undefined;
      expressions++;
      source += EXPANDED;
    } else if (/[{}\s]/.test(part)) return undefined;
    else source += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return expressions > 0 ? new RegExp(`^${source}$`) : undefined;
}
