/**
 * The `--target` option, shared by plan, apply and destroy. Its own module so
 * that `plan` does not load the apply machinery just to read an option.
 */
import type { CommandContext, OptionSpec } from "./_types.ts";

export const targetOption: OptionSpec = {
  type: "string",
  multiple: true,
  valueName: "ADDR",
  description: "limit to this resource and what it depends on (repeatable)",
};

export function targetsOf(ctx: CommandContext): string[] {
  const raw = ctx.values.target;
  return Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : [];
}
