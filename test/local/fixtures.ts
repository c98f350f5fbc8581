import crm from "../../stacks/crm/mcp-auth.js";
import { compile } from "../../components/plan/compile.js";
import type { McpAuthPlan } from "../../components/plan/schema.js";

/** The CRM example plan as declared. */
export function crmPlan(): McpAuthPlan {
  return compile(structuredClone(crm));
}

/**
 * The CRM example with the DCR tier allowed up to `high`, so that a dynamically registered SDK
 * client can complete the step-up part of the end-to-end flow (the shipped example caps DCR at
 * routine, which a separate test checks).
 */
export function crmPlanDcrHigh(): McpAuthPlan {
  const decl = structuredClone(crm) as unknown as { tiers: Record<string, { maxSensitivity: string }> };
  const dcr = decl.tiers["dcr"];
  if (!dcr) throw new Error("CRM example lost its dcr tier");
  dcr.maxSensitivity = "high";
  return compile(decl);
}

/** A quiet redirect URI on loopback that nothing listens on (the test browser stops there). */
export const REDIRECT = "http://127.0.0.1:45871/callback";
