/** Help texts, built from the command table so they never drift from it. */
import { GLOBAL_OPTIONS } from "./arguments/globals.ts";
import type { Command, OptionSpec } from "./commands/_types.ts";
import { renderTable } from "./views/table.ts";
import type { Paint } from "./views/paint.ts";
import { VERSION } from "../version.ts";

function flagLabel(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(options).map(([name, spec]) => [
    `  ${flagLabel(name, spec)}`,
    spec.description +
    (spec.multiple && !/repeatable/.test(spec.description) ? " (repeatable)" : ""),
  ]);
  return renderTable(rows);
}

export function renderTopHelp(commands: readonly Command[], paint: Paint): string {
  const rows = commands.map((c) => [`  ${c.name}`, c.summary]);
  return [
    `${paint("bold", "clockwork")} ${VERSION}: declarative host automation`,
    "",
    `${paint("bold", "Usage:")} clockwork [FLAGS] COMMAND [ARGS]`,
    "",
    paint("bold", "Commands:"),
    renderTable(rows),
    "",
    paint("bold", "Global flags (before or after the command):"),
    optionLines(GLOBAL_OPTIONS),
    "",
    `Run "clockwork COMMAND --help" for a command's own flags.`,
    "",
  ].join("\n");
}

export function renderCommandHelp(command: Command, paint: Paint): string {
  const parts = [
    `${paint("bold", "Usage:")} ${command.usage}`,
    "",
    capitalise(command.summary) + ".",
  ];
  if (command.description) parts.push("", command.description);
  if (Object.keys(command.options).length > 0) {
    parts.push("", paint("bold", "Flags:"), optionLines(command.options));
  }
  parts.push("", paint("bold", "Global flags:"), optionLines(GLOBAL_OPTIONS), "");
  return parts.join("\n");
}

/** Help for `clockwork state` and the like: the subcommands of a group. */
export function renderGroupHelp(group: string, commands: readonly Command[], paint: Paint): string {
  return [
    `${paint("bold", "Usage:")} clockwork ${group} SUBCOMMAND [ARGS]`,
    "",
    paint("bold", "Subcommands:"),
    renderTable(commands.map((c) => [`  ${c.name}`, c.summary])),
    "",
    `Run "clockwork ${group} SUBCOMMAND --help" for its flags.`,
    "",
  ].join("\n");
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
