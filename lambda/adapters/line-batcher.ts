import { writeSync } from "node:fs";

/**
 * Writes lines to a file descriptor (stdout for audit records), coalescing the lines pushed during
 * one event-loop turn into one `write`: a long-lived node:http gateway serving many requests per
 * turn makes one system call per turn instead of one per record. Every line is written: at the end
 * of the turn it was pushed in (`setImmediate`), at once when the pending text passes `maxBytes`,
 * on `close()`, and when the process exits (`exit` event: `process.exit()`, the loop running dry,
 * an uncaught exception). Writes are synchronous, as the edge's default sink's are (no output left
 * in a stream buffer, lines in push order); a descriptor that refuses a synchronous write (EAGAIN)
 * falls back to the process stream.
 */
export class LineBatcher {
  #pending = "";
  #scheduled = false;
  #closed = false;
  readonly #flush = () => this.flush();
  constructor(
    readonly fd: 1 | 2,
    readonly maxBytes = 64 * 1024,
  ) {
    live.add(this);
    installExitHook();
  }

  /** Queues one line (a trailing newline is added). */
  push(line: string): void {
    if (this.#closed) {
      writeAll(this.fd, `${line}\n`);
      return;
    }
    this.#pending += `${line}\n`;
    if (this.#pending.length >= this.maxBytes) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Writes what is pending now. */
  flush(): void {
    this.#scheduled = false;
    const text = this.#pending;
    if (text.length === 0) return;
    this.#pending = "";
    writeAll(this.fd, text);
  }

  /** Flushes; later lines are written one by one, at once. */
  close(): void {
    this.flush();
    this.#closed = true;
    live.delete(this);
  }
}

function writeAll(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch {
    // What was not written (a non-blocking descriptor that is full) goes through the stream, in order.
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
  }
}

const live = new Set<LineBatcher>();
let hooked = false;
function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const b of live) b.flush();
  });
}
