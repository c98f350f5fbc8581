import { z } from "zod";

/**
 * Sensitivity levels, lowest first. The order matters: tier caps, implication checks and the
 * edge's maximum token age all compare levels by their index in this tuple.
 */
export const SENSITIVITY_LEVELS = ["routine", "high", "critical"] as const;

export const SensitivitySchema = z.enum(SENSITIVITY_LEVELS);
export type Sensitivity = z.infer<typeof SensitivitySchema>;

/** Rank of a level: routine 0, high 1, critical 2. */
export function sensitivityRank(level: Sensitivity): number {
  return SENSITIVITY_LEVELS.indexOf(level);
}

/** The higher of two levels. */
export function maxSensitivity(a: Sensitivity, b: Sensitivity): Sensitivity {
  return sensitivityRank(a) >= sensitivityRank(b) ? a : b;
}

/** How consent is obtained for a scope of a level. */
export const ConsentModeSchema = z.enum([
  /** Shown once, at install (routine). */
  "install",
  /** Explicit consent when the scope is first needed (step-up), renewed on a cadence (high). */
  "explicit",
  /** Explicit consent for every action (critical). */
  "per-action",
]);
export type ConsentMode = z.infer<typeof ConsentModeSchema>;

/**
 * Policy attached to a sensitivity level. Values are what a platform team declares; the guardrail
 * rules check them against the bounds in `SENSITIVITY_BOUNDS`.
 */
export const SensitivityPolicySchema = z.strictObject({
  /** Maximum access-token lifetime in minutes. */
  accessTokenMinutes: z.number().int().positive(),
  /** How consent is obtained. */
  consent: ConsentModeSchema,
  /** Re-consent cadence in days (high and critical). Omit for routine. */
  reconsentDays: z.number().int().positive().optional(),
  /** Whether the scope is requested at install time (routine) or only on first use (step-up). */
  atInstall: z.boolean(),
  /** Whether tokens carrying a scope of this level must be revocable immediately (introspection at the edge). */
  immediateRevocation: z.boolean(),
});
export type SensitivityPolicy = z.infer<typeof SensitivityPolicySchema>;

/**
 * Defaults per level, from the design's sensitivity table (DESIGN.md "Vocabulary"):
 * routine ≤ 60 min at install; high ≤ 15 min, step-up, re-consent ≤ 90 days;
 * critical ≤ 5 min, per-action consent, immediate revocation.
 */
export const SENSITIVITY_DEFAULTS: Readonly<Record<Sensitivity, SensitivityPolicy>> = {
  routine: { accessTokenMinutes: 60, consent: "install", atInstall: true, immediateRevocation: false },
  high: { accessTokenMinutes: 15, consent: "explicit", reconsentDays: 90, atInstall: false, immediateRevocation: false },
  critical: { accessTokenMinutes: 5, consent: "per-action", reconsentDays: 30, atInstall: false, immediateRevocation: true },
};

/** Hard upper bounds the guardrail rules enforce (minutes / days). */
export const SENSITIVITY_BOUNDS: Readonly<Record<Sensitivity, { accessTokenMinutes: number; reconsentDays?: number }>> = {
  routine: { accessTokenMinutes: 60 },
  high: { accessTokenMinutes: 15, reconsentDays: 90 },
  critical: { accessTokenMinutes: 5, reconsentDays: 90 },
};
