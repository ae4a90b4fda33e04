/** The real terminal/pipe streams behind the `Io` interface commands write to. */
import type { Io } from "./commands/_types.ts";

const encoder = new TextEncoder();

/**
 * Output could not be written (a full disk, a revoked terminal): a problem of
 * where the output goes, not a bug, so the dispatcher reports it in one line.
 */
export class OutputWriteError extends Error {
  constructor(readonly stream: "stdout" | "stderr", cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "OutputWriteError";
  }
}

function writeAll(
  stream: { writeSync(p: Uint8Array): number },
  name: "stdout" | "stderr",
  text: string,
): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) {
      const written = stream.writeSync(bytes);
      bytes = bytes.subarray(written);
    }
  } catch (error) {
    // `clockwork … | head` closes the pipe early; the reader has what it wanted.
    if (error instanceof Deno.errors.BrokenPipe) return;
    throw new OutputWriteError(name, error);
  }
}

/** Reads stdin line by line, keeping what follows the newline for the next call. */
class LineReader {
  #pending = new Uint8Array(0);
  #decoder = new TextDecoder();

  async readLine(): Promise<string | null> {
    const buffer = new Uint8Array(4096);
    while (true) {
      const newline = this.#pending.indexOf(10);
      if (newline >= 0) {
        const line = this.#decoder.decode(this.#pending.subarray(0, newline));
        this.#pending = this.#pending.slice(newline + 1);
        return line.replace(/\r$/, "");
      }
      const n = await Deno.stdin.read(buffer);
      if (n === null) {
        if (this.#pending.length === 0) return null;
        const rest = this.#decoder.decode(this.#pending);
        this.#pending = new Uint8Array(0);
        return rest;
      }
      const merged = new Uint8Array(this.#pending.length + n);
      merged.set(this.#pending);
      merged.set(buffer.subarray(0, n), this.#pending.length);
      this.#pending = merged;
    }
  }
}

/** Io over the process's stdin/stdout/stderr; each stream in colour when it is a terminal. */
export function realIo(): Io {
  const lines = new LineReader();
  return {
    stdout: (text) => writeAll(Deno.stdout, "stdout", text),
    stderr: (text) => writeAll(Deno.stderr, "stderr", text),
    interactive: Deno.stdin.isTerminal(),
    color: Deno.stdout.isTerminal(),
    stderrColor: Deno.stderr.isTerminal(),
    progress: Deno.stderr.isTerminal(),
    readLine(prompt) {
      writeAll(Deno.stderr, "stderr", prompt);
      return lines.readLine();
    },
  };
}

/** An Io that records everything, for in-process tests. */
export function bufferIo(
  options: { stdin?: string; interactive?: boolean; color?: boolean; stderrColor?: boolean } = {},
): Io & { readonly out: string; readonly err: string } {
  let out = "";
  let err = "";
  const inputLines = options.stdin === undefined ? [] : options.stdin.split("\n");
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    interactive: options.interactive ?? false,
    color: options.color ?? false,
    stderrColor: options.stderrColor ?? options.color ?? false,
    progress: false,
    readLine(prompt) {
      err += prompt;
      return Promise.resolve(inputLines.length > 0 ? inputLines.shift()! : null);
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
