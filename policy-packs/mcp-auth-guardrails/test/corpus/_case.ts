import crm from "../../../../stacks/crm/mcp-auth.js";
import type { FakeResource } from "../harness.js";

/** One bad configuration and the policy that must block it. */
export interface CorpusCase {
  /** The policy name that must report a violation. */
  readonly blockedBy: string;
  /** Raw provider resources, as hand-written code would create them. */
  readonly resources?: readonly FakeResource[];
  /** Or a declaration, compiled and registered the way the toolkit's components do. */
  readonly declaration?: unknown;
}

/** A deep copy of the CRM example to break in one place. */
export function crmDeclaration(): any {
  return structuredClone(crm);
}
