import * as pulumi from "@pulumi/pulumi";

/**
 * Shared Pulumi mock harness for target tests (`pulumi.runtime.setMocks`).
 *
 * - Every `newResource` is recorded with its type, name and inputs (dependent Outputs arrive
 *   resolved), so a test can assert resource types, counts and key inputs.
 * - `newResource` answers with the inputs as state, plus whatever `state(args)` adds (e.g. an
 *   `issuer` output), and a deterministic id `<name>-id` unless `id(args)` says otherwise.
 * - `call` (data sources / invokes) throws unless the token is in `calls`: an unmocked call is a
 *   test bug, never a silent `{}`.
 *
 * Vitest runs test files in separate processes (pool: forks), so mocks do not leak between files.
 * Call `installMocks` in `beforeAll` and import modules that create resources afterwards.
 */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly id: string;
}

export interface MockOptions {
  /** Extra output state per resource (merged over the inputs). */
  state?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Resource id; default `<name>-id`. */
  id?: (args: pulumi.runtime.MockResourceArgs) => string;
  /** Invoke handlers by token, e.g. `okta:group/getGroup:getGroup`. */
  calls?: Record<string, (inputs: Record<string, any>) => Record<string, unknown>>;
  project?: string;
  stack?: string;
  /** Default false: with preview=true, outputs the mock does not return are unknown and never resolve. */
  preview?: boolean;
}

export interface MockHarness {
  /** Every resource registered so far, in registration order. */
  readonly resources: RecordedResource[];
  /** Invokes made so far. */
  readonly calls: Array<{ token: string; inputs: Record<string, any> }>;
  /** Resources of one type token (e.g. `okta:auth/server:Server`). */
  ofType(type: string): RecordedResource[];
  /** The single resource with this name (and type, when given). @throws when there is none or more than one */
  byName(name: string, type?: string): RecordedResource;
  /** Forgets recorded resources and calls (mocks stay installed). */
  reset(): void;
  /**
   * Resolves once registrations have stopped arriving (no new resource for `quietMs`). Outputs
   * chain registrations (a rule waits for its policy's id), so awaiting one output is not enough.
   */
  settled(quietMs?: number): Promise<RecordedResource[]>;
}

/** Installs mocks and returns the recorder. */
export async function installMocks(options: MockOptions = {}): Promise<MockHarness> {
  const resources: RecordedResource[] = [];
  const calls: Array<{ token: string; inputs: Record<string, any> }> = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = options.id?.(args) ?? `${args.name}-id`;
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
        return { id, state: { ...args.inputs, ...(options.state?.(args) ?? {}) } };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        const handler = options.calls?.[args.token];
        if (!handler) throw new Error(`Unmocked invoke '${args.token}' with ${JSON.stringify(args.inputs)}; add it to installMocks({ calls })`);
        return handler(args.inputs);
      },
    },
    options.project ?? "project",
    options.stack ?? "stack",
    options.preview ?? false,
  );
  return {
    resources,
    calls,
    ofType: (type) => resources.filter((r) => r.type === type),
    byName(name, type) {
      const found = resources.filter((r) => r.name === name && (type === undefined || r.type === type));
      if (found.length !== 1) throw new Error(`expected one resource named '${name}'${type ? ` of type ${type}` : ""}, found ${found.length}`);
      return found[0]!;
    },
    reset() {
      resources.length = 0;
      calls.length = 0;
    },
    async settled(quietMs = 100) {
      const deadline = Date.now() + 10_000;
      let count = -1;
      let quietSince = Date.now();
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
        if (resources.length !== count) {
          count = resources.length;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= quietMs) return resources;
      }
      throw new Error(`registrations did not settle within 10 s (${resources.length} so far)`);
    },
  };
}

/** Resolves an Output's value (preview=false). Races a timeout so an unknown output fails instead of hanging. */
export function promiseOf<T>(output: pulumi.Output<T>, timeoutMs = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`output did not resolve within ${timeoutMs} ms (unknown in preview, or missing from the mock state)`)), timeoutMs);
    output.apply((v) => {
      clearTimeout(timer);
      resolve(v);
      return v;
    });
  });
}
