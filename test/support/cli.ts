import type { CliIOWithTty } from "../../cli/format.js";
import { main } from "../../cli/run.js";

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI's `main` in-process with its output captured, as a user's shell would see it (no TTY
 * unless `io` says so). `io.cwd` defaults to the test process's working directory; `env` to `{}`.
 */
export async function runCli(args: readonly string[], io: Partial<CliIOWithTty> = {}, commandsDir?: URL): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main([...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: process.cwd(), env: {}, ...io }, commandsDir ? { commandsDir } : {});
  return { code, stdout, stderr };
}
