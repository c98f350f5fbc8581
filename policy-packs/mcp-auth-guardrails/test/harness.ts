import type { Policy, PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

/** Thrown by `notApplicable` in fake args. */
export class NotApplicable extends Error {}

const opts = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** `ResourceValidationArgs` for calling a policy without the engine (idp-mapping.md §7). */
export function resourceArgs(type: string, props: Record<string, unknown>, config: object = {}, name = "r"): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:test::proj::${type}::${name}`,
    name,
    opts,
    stackTags: new Map(),
    isType: ((cls: { __pulumiType?: string }) => cls.__pulumiType === type) as ResourceValidationArgs["isType"],
    asType: ((cls: { __pulumiType?: string }) => (cls.__pulumiType === type ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** A resource as a stack policy sees it. */
export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  parentType?: string;
  /** Property dependencies: input property → names of the resources it was computed from. */
  deps?: Record<string, string[]>;
}

function stackArgs(resources: readonly FakeResource[], config: object): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const list: PolicyResource[] = resources.map((r) => {
    const urn = `urn:pulumi:test::proj::${r.type}::${r.name}`;
    const parent = r.parentType ? ({ type: r.parentType, urn: `urn:pulumi:test::proj::${r.parentType}::parent`, name: "parent", props: {} } as unknown as PolicyResource) : undefined;
    const urnOf = (name: string) => `urn:pulumi:test::proj::${resources.find((x) => x.name === name)?.type ?? "unknown"}::${name}`;
    const propertyDependencies = Object.fromEntries(Object.entries(r.deps ?? {}).map(([k, names]) => [k, names.map((n) => ({ urn: urnOf(n) }))]));
    const pr = { type: r.type, name: r.name, urn, props: r.props, opts, dependencies: [], propertyDependencies, ...(parent ? { parent } : {}) } as unknown as PolicyResource;
    byUrn.set(urn, pr);
    return pr;
  });
  return {
    resources: list,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  } as unknown as StackValidationArgs;
}

/** Runs one policy (resource or stack) and returns the violation messages. */
export async function violations(policy: Policy, resources: FakeResource | readonly FakeResource[], config: object = {}): Promise<string[]> {
  const list = Array.isArray(resources) ? (resources as FakeResource[]) : [resources as FakeResource];
  const out: string[] = [];
  const report: ReportViolation = (message) => void out.push(message);
  const rp = policy as ResourceValidationPolicy;
  const sp = policy as StackValidationPolicy;
  if (rp.validateResource) {
    const fns = Array.isArray(rp.validateResource) ? rp.validateResource : [rp.validateResource];
    for (const r of list) {
      for (const fn of fns) {
        try {
          await fn(resourceArgs(r.type, r.props, config, r.name), report);
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  if (sp.validateStack) await sp.validateStack(stackArgs(list, config), report);
  return out;
}
