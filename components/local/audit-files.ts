/**
 * Where the dev stack writes the checkpoints of `auditFile`, and the key that signs them. Apart from
 * dev-stack.ts so that the CLI can check these paths without loading the stack (oidc-provider).
 */
export function checkpointFilesFor(auditFile: string): { checkpointFile: string; keyFile: string } {
  const stem = auditFile.replace(/\.jsonl?$/, "");
  return { checkpointFile: `${stem}.checkpoints.jsonl`, keyFile: `${stem}.checkpoint-key.pem` };
}
