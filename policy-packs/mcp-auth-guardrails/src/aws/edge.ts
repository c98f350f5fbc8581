import type { StackResource } from "../policy.js";

export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** Tag that marks a Lambda as an MCP auth edge (the toolkit's AWS component sets it). */
export const EDGE_TAG = "pulumi-mcp-auth:edge";

/** Type tokens of the toolkit's AWS components start with this. */
export const AWS_COMPONENT_PREFIX = "pulumi-mcp-auth:aws:";

/** Whether a Lambda is an MCP auth edge: created by the toolkit's AWS component, or tagged as one. */
export function isEdgeFunction(r: StackResource): boolean {
  if (r.type !== LAMBDA_FUNCTION) return false;
  if (r.parent?.type.startsWith(AWS_COMPONENT_PREFIX)) return true;
  const tags = r.props.tags as Record<string, unknown> | undefined;
  return tags !== undefined && EDGE_TAG in tags;
}

/**
 * Whether `r`'s property `prop` names an edge Lambda: `r` belongs to the toolkit's AWS component,
 * the property was computed from an edge function (Pulumi's property dependencies, known at
 * preview), or its value is an edge function's name, ARN or invoke ARN.
 */
export function refersToEdge(r: StackResource, prop: string, resources: readonly StackResource[]): boolean {
  if (r.parent?.type.startsWith(AWS_COMPONENT_PREFIX)) return true;
  const edges = resources.filter(isEdgeFunction);
  const deps = new Set((r.propertyDependencies?.[prop] ?? []).map((d) => d.urn));
  if (edges.some((e) => deps.has(e.urn))) return true;
  const value = r.props[prop];
  if (typeof value !== "string") return false;
  return edges.some((e) => {
    const name = typeof e.props.name === "string" ? e.props.name : undefined;
    return name !== undefined && (value === name || value.endsWith(`:function:${name}`) || value.includes(`:function:${name}/`));
  });
}

/** Whether two resources' properties point at the same resource (equal known values, or a shared dependency). */
export function sameTarget(a: StackResource, aProp: string, b: StackResource, bProp: string): boolean {
  const av = a.props[aProp];
  const bv = b.props[bProp];
  if (typeof av === "string" && typeof bv === "string") return av === bv;
  const ad = new Set((a.propertyDependencies?.[aProp] ?? []).map((d) => d.urn));
  return (b.propertyDependencies?.[bProp] ?? []).some((d) => ad.has(d.urn));
}
