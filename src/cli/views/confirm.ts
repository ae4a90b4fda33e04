/**
 * Confirmation prompts happen only on a terminal. Without one a destructive
 * command must refuse (exit 1) and say how to proceed: `--auto-approve`.
 */
import type { Io } from "../commands/_types.ts";

export type Answer = "yes" | "no" | "no-terminal";

/** Asks on the terminal; only the word "yes" (any case) counts as yes. */
export async function confirm(io: Io, question: string): Promise<Answer> {
  if (!io.interactive) return "no-terminal";
  const line = await io.readLine(
    `${question}\n  Only 'yes' will be accepted to approve.\n  Enter a value: `,
  );
  return line !== null && line.trim().toLowerCase() === "yes" ? "yes" : "no";
}

/**
 * The whole approval step of `apply`/`destroy`: true to go ahead; false after
 * printing why not (the caller then returns exit code 1).
 */
export async function approve(
  io: Io,
  options: { readonly command: string; readonly question: string; readonly autoApprove: boolean },
): Promise<boolean> {
  if (options.autoApprove) return true;
  const answer = await confirm(io, options.question);
  if (answer === "yes") return true;
  if (answer === "no-terminal") {
    io.stderr(
      `clockwork ${options.command}: refusing to continue without confirmation: stdin is not a terminal; pass --auto-approve to proceed\n`,
    );
  } else {
    io.stderr(`clockwork ${options.command}: cancelled\n`);
  }
  return false;
}
