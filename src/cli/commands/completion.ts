/**
 * Shell completion scripts, generated from the command table so new commands
 * and flags complete without touching this file.
 */
import { GLOBAL_OPTIONS } from "../arguments/globals.ts";
import type { Command, OptionSpec } from "./_types.ts";
import { groupNames, loadAllCommands, topLevelWords } from "./_table.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;

function spellings(name: string, spec: OptionSpec): string[] {
  return [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])];
}

function flagsOf(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).flatMap(([name, spec]) => spellings(name, spec));
}

function valueFlags(commands: readonly Command[]): string[] {
  const all = [GLOBAL_OPTIONS, ...commands.map((c) => c.options)];
  return [
    ...new Set(
      all.flatMap((options) =>
        Object.entries(options).flatMap(([name, spec]) =>
          spec.type === "string" ? spellings(name, spec) : []
        )
      ),
    ),
  ];
}

/** Shell words for the values of a few well-known flags. */
const FLAG_VALUES: Readonly<Record<string, string>> = {
  "--log-level": "debug info warn error",
  "--ai-provider": "ollama openai none",
  "--format": "dot json",
  "--refresh": "true false",
};
const DIRECTORY_FLAGS = ["-C", "--chdir"];

function subcommands(commands: readonly Command[], group: string): Command[] {
  return commands.filter((c) => c.name.startsWith(group + " "));
}

function topSummary(commands: readonly Command[], word: string): string {
  if (groupNames.has(word)) {
    return `${word} commands (${
      subcommands(commands, word).map((c) => c.name.split(" ")[1]).join(", ")
    })`;
  }
  return commands.find((c) => c.name === word)?.summary ?? "";
}

export function bashScript(commands: readonly Command[]): string {
  const globals = flagsOf(GLOBAL_OPTIONS).join(" ");
  const flagCases = commands.map((c) =>
    `      "${c.name}") flags="$flags ${flagsOf(c.options).join(" ")}" ;;`
  ).join("\n");
  const groupCases = [...groupNames].map((g) =>
    `      ${g}) words="${subcommands(commands, g).map((c) => c.name.split(" ")[1]).join(" ")}" ;;`
  ).join("\n");
  const valueCases = Object.entries(FLAG_VALUES).map(([flag, words]) =>
    `    ${flag}) COMPREPLY=($(compgen -W "${words}" -- "$cur")); return 0 ;;`
  ).join("\n");
  return `# bash completion for clockwork; load with: source <(clockwork completion bash)
_clockwork() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local value_flags=" ${valueFlags(commands).join(" ")} "
  local groups=" ${[...groupNames].join(" ")} "
  local cmd="" complete=0 i w
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    if [[ "$w" == -* ]]; then
      [[ "$w" != *=* && "$value_flags" == *" $w "* ]] && i=$((i + 1))
    elif (( complete == 0 )); then
      if [[ -z "$cmd" ]]; then
        cmd="$w"
        [[ "$groups" == *" $w "* ]] || complete=1
      else
        cmd="$cmd $w"
        complete=1
      fi
    fi
  done
  if [[ "$value_flags" == *" $prev "* ]]; then
    case "$prev" in
    -C|--chdir) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
${valueCases}
    *) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    esac
  fi
  if [[ "$cur" == -* ]]; then
    local flags="${globals}"
    case "$cmd" in
${flagCases}
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  local words=""
  if [[ -z "$cmd" ]]; then
    words="${topLevelWords.join(" ")}"
  elif (( complete == 0 )); then
    case "$cmd" in
${groupCases}
    esac
  else
    case "$cmd" in
      completion) words="${SHELLS.join(" ")}" ;;
      help) words="${topLevelWords.join(" ")}" ;;
      *) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  return 0
}
complete -o filenames -F _clockwork clockwork
`;
}

function zshQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function zshScript(commands: readonly Command[]): string {
  const describe = (entries: [string, string][]) =>
    entries.map(([n, d]) => zshQuote(`${n}:${d}`)).join(" ");
  const top = describe(topLevelWords.map((w) => [w, topSummary(commands, w)]));
  const groupCases = [...groupNames].map((g) =>
    `      ${g}) subs=(${
      describe(subcommands(commands, g).map((c) => [c.name.split(" ")[1], c.summary]))
    }) ;;`
  ).join("\n");
  const flagCases = commands.map((c) =>
    `      ${zshQuote(c.name)}) flags+=(${flagsOf(c.options).join(" ")}) ;;`
  ).join("\n");
  const valueCases = Object.entries(FLAG_VALUES).map(([flag, words]) =>
    `      ${flag}) compadd -- ${words}; return ;;`
  ).join("\n");
  return `#compdef clockwork
# zsh completion for clockwork; load with: source <(clockwork completion zsh)
_clockwork() {
  local value_flags=" ${valueFlags(commands).join(" ")} "
  local groups=" ${[...groupNames].join(" ")} "
  local cmd="" w
  local -i complete=0 i
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ $w == -* ]]; then
      [[ $w != *=* && $value_flags == *" $w "* ]] && (( i++ ))
    elif (( ! complete )); then
      if [[ -z $cmd ]]; then
        cmd=$w
        [[ $groups == *" $w "* ]] || complete=1
      else
        cmd="$cmd $w"
        complete=1
      fi
    fi
  done
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  if [[ $value_flags == *" $prev "* ]]; then
    case $prev in
      -C|--chdir) _files -/; return ;;
${valueCases}
      *) _files; return ;;
    esac
  fi
  if [[ $cur == -* ]]; then
    local -a flags
    flags=(${flagsOf(GLOBAL_OPTIONS).join(" ")})
    case $cmd in
${flagCases}
    esac
    compadd -- $flags
    return
  fi
  if [[ -z $cmd ]]; then
    local -a cmds
    cmds=(${top})
    _describe -t commands 'clockwork command' cmds
  elif (( ! complete )); then
    local -a subs
    case $cmd in
${groupCases}
    esac
    _describe -t commands 'subcommand' subs
  else
    case $cmd in
      completion) compadd -- ${SHELLS.join(" ")} ;;
      help) compadd -- ${topLevelWords.join(" ")} ;;
      *) _files ;;
    esac
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _clockwork "$@"
else
  compdef _clockwork clockwork
fi
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export function fishScript(commands: readonly Command[]): string {
  const lines = [
    "# fish completion for clockwork; load with: clockwork completion fish | source",
    "complete -c clockwork -f",
  ];
  for (const word of topLevelWords) {
    lines.push(
      `complete -c clockwork -n __fish_use_subcommand -a ${word} -d ${
        fishQuote(topSummary(commands, word))
      }`,
    );
  }
  for (const group of groupNames) {
    const subs = subcommands(commands, group);
    const names = subs.map((c) => c.name.split(" ")[1]).join(" ");
    for (const sub of subs) {
      lines.push(
        `complete -c clockwork -n ${
          fishQuote(
            `__fish_seen_subcommand_from ${group}; and not __fish_seen_subcommand_from ${names}`,
          )
        } -a ${sub.name.split(" ")[1]} -d ${fishQuote(sub.summary)}`,
      );
    }
  }
  const flagLine = (condition: string | undefined, name: string, spec: OptionSpec) => {
    const parts = ["complete -c clockwork"];
    if (condition) parts.push(`-n ${fishQuote(condition)}`);
    if (spec.short) parts.push(`-s ${spec.short}`);
    parts.push(`-l ${name}`);
    if (spec.type === "string") {
      const values = FLAG_VALUES[`--${name}`];
      if (values) parts.push(`-x -a ${fishQuote(values)}`);
      else if (DIRECTORY_FLAGS.includes(`--${name}`)) {
        parts.push("-x -a '(__fish_complete_directories)'");
      } else parts.push("-r -F");
    }
    parts.push(`-d ${fishQuote(spec.description)}`);
    return parts.join(" ");
  };
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    lines.push(flagLine(undefined, name, spec));
  }
  for (const command of commands) {
    const words = command.name.split(" ");
    const condition = words.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and ");
    for (const [name, spec] of Object.entries(command.options)) {
      lines.push(flagLine(condition, name, spec));
    }
  }
  lines.push(
    `complete -c clockwork -n '__fish_seen_subcommand_from completion' -a '${SHELLS.join(" ")}'`,
  );
  return lines.join("\n") + "\n";
}

export const completionCommand: Command = {
  name: "completion",
  summary: "print a shell completion script",
  usage: "clockwork completion bash|zsh|fish",
  description: [
    "Load it in the current shell:",
    "  bash:  source <(clockwork completion bash)",
    "  zsh:   source <(clockwork completion zsh)     (after compinit)",
    "  fish:  clockwork completion fish | source",
  ].join("\n"),
  options: {},
  positionals: { min: 1, max: 1, names: "SHELL" },
  async run(ctx) {
    const shell = ctx.positionals[0];
    const commands = await loadAllCommands();
    switch (shell) {
      case "bash":
        ctx.io.stdout(bashScript(commands));
        return 0;
      case "zsh":
        ctx.io.stdout(zshScript(commands));
        return 0;
      case "fish":
        ctx.io.stdout(fishScript(commands));
        return 0;
      default:
        ctx.io.stderr(
          `clockwork completion: unknown shell "${shell}"; expected one of ${SHELLS.join(", ")}\n`,
        );
        return 1;
    }
  },
};
