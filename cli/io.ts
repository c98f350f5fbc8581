/** What a command needs from its surroundings; tests pass fakes, `main.ts` passes the process. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A subcommand: `cli/commands/<name>.ts` default-exports one of these. `run` returns the exit code.
 * Exit codes shared by all commands: 0 success, 1 findings/changes that fail the command,
 * 2 invalid input (bad declaration, bad flags, unreadable file).
 */
export interface Command {
  readonly name: string;
  /** One line for the top-level `--help`. */
  readonly summary: string;
  /** Full `--help` text for the command. */
  readonly help: string;
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** Error for bad command-line input; `main.ts` prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A file given on the command line cannot be used (missing, a directory, not loadable, no default
 * export, not in a git repository). The message is one line and does not repeat the file name: the
 * command prints `<file>: <message>` and exits 2.
 */
export class InputFileError extends Error {
  override readonly name = "InputFileError";
}

/**
 * A file the command was asked to write (`--out`, `dev --agent-credentials`, the audit file) cannot
 * be written: a directory, a missing or unwritable parent. `main` prints the one-line message and
 * exits 2, as for any other unusable input; exit 70 stays reserved for bugs.
 */
export class OutputFileError extends Error {
  override readonly name = "OutputFileError";
}
