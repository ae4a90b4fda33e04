/**
 * A single status line on stderr. On a terminal it animates in place (spinner,
 * rewritten with \r); elsewhere each `update` is one plain line and nothing
 * animates, so logs and CI output stay readable.
 */
import type { Io } from "../commands/_types.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export class Progress {
  #text = "";
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly animated: boolean;

  constructor(private readonly io: Io, intervalMs = 100) {
    this.animated = io.progress === true;
    if (this.animated) {
      const timer = setInterval(() => this.#draw(), intervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  update(text: string): void {
    this.#text = text;
    if (this.animated) this.#draw();
    else this.io.stderr(text + "\n");
  }

  /** Stops animating; `finalLine` (if given) stays on screen. */
  done(finalLine?: string): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.animated) this.io.stderr("\r\x1b[2K");
    if (finalLine !== undefined) this.io.stderr(finalLine + "\n");
  }

  #draw(): void {
    const frame = FRAMES[this.#frame++ % FRAMES.length];
    this.io.stderr(`\r\x1b[2K${frame} ${this.#text}`);
  }
}

export function progress(io: Io): Progress {
  return new Progress(io);
}
