import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { OutputFileError, UsageError, type Command } from "./io.js";
import type { CliIOWithTty } from "./format.js";

/** Subcommands, in `--help` order. Each is `cli/commands/<name>.ts`, loaded only when used. */
export const COMMANDS = ["check", "plan", "diff", "report", "audit", "revoke", "dev"] as const;

const COMMANDS_DIR = new URL("./commands/", import.meta.url);

/** Options for `main`, for tests. */
export interface MainOptions {
  /** Directory (file URL ending in `/`) holding `<command>.js` modules. Default: `./commands/` next to this file. */
  readonly commandsDir?: URL;
}

/** Thrown when a command module is not installed/built (e.g. a command still being written). */
class CommandNotAvailable extends Error {}

/** Thrown when a command module imports a package that is not installed (an optional peer dependency). */
class MissingDependency extends Error {
  constructor(
    readonly command: string,
    readonly pkg: string,
  ) {
    super(`${command} needs the package '${pkg}', which is not installed; install it with: npm install --save-dev ${pkg}`);
  }
}

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`), or undefined for a path. */
function packageOf(specifier: string): string | undefined {
  if (/^(?:[./]|file:|node:|[A-Za-z]:[\\/])/.test(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Loads `commands/<name>.js` with a dynamic import; only a missing module counts as "not available". */
async function loadCommand(name: string, commandsDir: URL = COMMANDS_DIR): Promise<Command> {
  let mod: { default?: Command };
  try {
    // A computed specifier (not a literal) so that a command still being written does not break
    // type-checking or bundling; `name` is always one of COMMANDS.
    const specifier = new URL(`${name}.js`, commandsDir).href;
    mod = (await import(/* @vite-ignore */ specifier)) as { default?: Command };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { url?: string };
    const notFound = e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND" || /Cannot find (?:module|package)|Failed to load url/.test(e.message ?? "");
    if (notFound) {
      // What could not be found: the command module itself (not in this build), or a package it
      // imports (an optional peer dependency the user has not installed).
      const specifier = /Cannot find (?:module|package) '([^']+)'|Failed to load url (\S+)/.exec(e.message ?? "");
      const pkg = packageOf(specifier?.[1] ?? specifier?.[2] ?? "");
      if (pkg !== undefined) throw new MissingDependency(name, pkg);
      const text = `${e.message} ${e.url ?? ""}`;
      const self = specifier?.[1] ?? specifier?.[2] ?? e.url ?? text;
      if (self.includes(`${fileURLToPath(commandsDir)}${name}.`) || self.includes(`${commandsDir.href}${name}.`)) {
        throw new CommandNotAvailable(`command not available: '${name}' is not part of this build`);
      }
    }
    throw err;
  }
  if (!mod.default || typeof mod.default.run !== "function") throw new CommandNotAvailable(`command not available: '${name}' exports no Command`);
  return mod.default;
}

/** The package version, read from the package.json next to the source or build. */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-mcp-auth" && pkg.version) return pkg.version;
    } catch {
      // not here; look one directory up
    }
    dir = path.dirname(dir);
  }
  return "unknown";
}

async function topLevelHelp(commandsDir: URL): Promise<string> {
  const lines: string[] = [];
  for (const name of COMMANDS) {
    let summary: string;
    try {
      summary = (await loadCommand(name, commandsDir)).summary;
    } catch (err) {
      if (err instanceof MissingDependency) summary = `(needs ${err.pkg}, not installed)`;
      else if (err instanceof CommandNotAvailable) summary = "(not available in this build)";
      else throw err;
    }
    lines.push(`  ${name.padEnd(7)} ${summary}`);
  }
  return `Usage: pulumi-mcp-auth <command> [options]

OAuth 2.1 authorization for remote MCP servers, declared in TypeScript.

Commands:
${lines.join("\n")}

Options:
  -h, --help     Show this help, or a command's help: pulumi-mcp-auth <command> --help
  --version      Print the version.

Exit codes: 0 success, 1 findings or changes that fail the command, 2 invalid input.
`;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code. Exported for
 * tests; `process` is only touched by the bottom of this file.
 */
export async function main(argv: readonly string[], io: CliIOWithTty, options: MainOptions = {}): Promise<number> {
  const commandsDir = options.commandsDir ?? COMMANDS_DIR;
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      if (first === "help" && rest[0]) return await main([rest[0], "--help"], io, options);
      io.stdout(await topLevelHelp(commandsDir));
      return first === undefined ? 2 : 0;
    }
    if (first === "--version" || first === "-v") {
      io.stdout(`${packageVersion()}\n`);
      return 0;
    }
    if (!(COMMANDS as readonly string[]).includes(first)) {
      const hint = first.startsWith("-") ? `unknown option '${first}'` : `unknown command '${first}'`;
      io.stderr(`pulumi-mcp-auth: ${hint}. Commands: ${COMMANDS.join(", ")}. Run 'pulumi-mcp-auth --help'.\n`);
      return 2;
    }
    const command = await loadCommand(first, commandsDir);
    const dashdash = rest.indexOf("--");
    const flags = dashdash === -1 ? rest : rest.slice(0, dashdash);
    if (flags.includes("--help") || flags.includes("-h")) {
      io.stdout(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof MissingDependency) {
      io.stderr(`pulumi-mcp-auth: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CommandNotAvailable) {
      io.stderr(`pulumi-mcp-auth: ${err.message}. Run 'pulumi-mcp-auth --help' for the commands available.\n`);
      return 2;
    }
    if (err instanceof OutputFileError) {
      io.stderr(`pulumi-mcp-auth: ${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      const cmd = first && (COMMANDS as readonly string[]).includes(first) ? ` ${first}` : "";
      io.stderr(`pulumi-mcp-auth: ${err.message}\nRun 'pulumi-mcp-auth${cmd} --help' for usage.\n`);
      return 2;
    }
    throw err;
  }
}
