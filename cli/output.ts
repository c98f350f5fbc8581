import { constants } from "node:fs";
import { access, mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { OutputFileError } from "./io.js";

/** Why a path cannot be written, in words (the error code alone tells users little). */
export function unwritableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "EISDIR":
      return "it is a directory";
    case "ENOTDIR":
    case "EEXIST": // mkdir of a parent that exists as a file
      return "a part of its path is not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return code ?? (err as Error).message;
  }
}

/**
 * Writes `text` to `file` (relative to `cwd`), creating its directories.
 * With `mode`, the file gets exactly that mode, also when it already existed, before anything is
 * written to it (a file holding private keys must not be readable by others even for a moment).
 * @param what how the message names the file, e.g. `plan: --out build/plan.json`
 * @throws OutputFileError naming the file and why it cannot be written
 * @returns the absolute path written
 */
export async function writeOutputFile(what: string, cwd: string, file: string, text: string, mode?: number): Promise<string> {
  const abs = path.resolve(cwd, file);
  try {
    await mkdir(path.dirname(abs), { recursive: true });
    const handle = await open(abs, "w", mode ?? 0o666);
    try {
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new OutputFileError(`${what}: cannot be written: ${unwritableReason(err)}`);
  }
  return abs;
}

/**
 * Checks that `file` can be appended to (creating it and its directories, as the writer would),
 * without changing what it holds.
 * @throws OutputFileError naming the file and why it cannot be written
 */
export async function requireAppendable(what: string, file: string, options: { fileMode?: number; dirMode?: number } = {}): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true, ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}) });
    await (await open(file, "a", options.fileMode ?? 0o666)).close();
  } catch (err) {
    throw new OutputFileError(`${what}: cannot be written: ${unwritableReason(err)}`);
  }
}

/**
 * Checks, before a long start-up, that `file` could be written later: its directories are created
 * (as the writer would), and it is not a directory nor in one that cannot be written. The file itself
 * is neither created nor changed.
 * @throws OutputFileError naming the file and why it cannot be written
 */
export async function requireWritable(what: string, file: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (info?.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    await access(info ? file : path.dirname(file), constants.W_OK);
  } catch (err) {
    throw new OutputFileError(`${what}: cannot be written: ${unwritableReason(err)}`);
  }
}
