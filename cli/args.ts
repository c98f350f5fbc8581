import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into `UsageError` (exit 2) whose
 * message names the command and points at its `--help`.
 * @param maxPositionals how many positional arguments the command accepts (default 1: the file).
 */
export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T, maxPositionals = 1): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "")}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}
