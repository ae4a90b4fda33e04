/**
 * A deterministic generator of realistic configurations, for the
 * differential test against HashiCorp's parser and for the benchmarks.
 */

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const WORDS = [
  "web",
  "db",
  "cache",
  "nginx",
  "app",
  "worker",
  "backup",
  "metrics",
  "users",
  "deploy",
  "config",
  "logs",
  "proxy",
  "queue",
  "api",
];
const TYPES = ["file", "package", "service", "user", "directory", "command", "template", "link"];

/** A configuration of `blocks` top-level blocks, reproducible from `seed`. */
export function generateConfig(seed: number, blocks: number): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const word = () => pick(WORDS);
  const int = (n: number) => Math.floor(r() * n);
  const out: string[] = [];

  const scalar = (): string => {
    switch (int(10)) {
      case 0:
        return String(int(100000));
      case 1:
        return (r() * 100).toFixed(int(4));
      case 2:
        return r() < 0.5 ? "true" : "false";
      case 3:
        return `"${word()}-${int(1000)}"`;
      case 4:
        return `"/etc/${word()}/${word()}.conf"`;
      case 5:
        return `var.${word()}`;
      case 6:
        return `"\${var.${word()}}-\${local.${word()}}"`;
      case 7:
        return `${TYPES[int(TYPES.length)]}.${word()}.id`;
      case 8:
        return `"${word()} \\"quoted\\" \\u00e9 tab\\t"`;
      default:
        return "null";
    }
  };

  const expr = (depth: number): string => {
    const k = depth > 2 ? int(3) : int(14);
    switch (k) {
      case 0:
      case 1:
      case 2:
        return scalar();
      case 3:
        return `[${Array.from({ length: int(5) }, () => expr(depth + 1)).join(", ")}]`;
      case 4: {
        const items = Array.from(
          { length: 1 + int(4) },
          (_, i) => `${word()}${i} = ${expr(depth + 1)}`,
        );
        return r() < 0.5
          ? `{ ${items.join(", ")} }`
          : `{\n${items.map((s) => "    " + s).join("\n")}\n  }`;
      }
      case 5:
        return `${pick(["upper", "lower", "join", "length", "merge", "lookup"])}(${
          expr(depth + 1)
        }, ${expr(depth + 1)})`;
      case 6:
        return `var.${word()} ? ${expr(depth + 1)} : ${expr(depth + 1)}`;
      case 7:
        return `${expr(depth + 1)} ${
          pick(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"])
        } ${expr(depth + 1)}`;
      case 8:
        return `[for ${word()} in var.${word()} : upper(${word()}) if ${word()} != ""]`;
      case 9:
        return `{ for k, v in var.${word()} : k => v.name }`;
      case 10:
        return `${TYPES[int(TYPES.length)]}.${word()}[*].id`;
      case 11:
        return `"%{ if var.${word()} }yes%{ else }no%{ endif }"`;
      case 12:
        return `-${int(50)}`;
      default:
        return `!var.${word()}`;
    }
  };

  out.push(`# generated configuration (seed ${seed})`);
  for (let b = 0; b < blocks; b++) {
    const kind = b % 10;
    if (kind === 0) {
      out.push(`variable "${word()}_${b}" {`, `  type    = string`, `  default = ${scalar()}`, `}`);
    } else if (kind === 1) {
      out.push(
        `locals {`,
        `  name_${b} = "${word()}-\${var.${word()}}"`,
        `  list_${b} = ${expr(1)}`,
        `}`,
      );
    } else {
      const type = TYPES[int(TYPES.length)];
      out.push(`resource "${type}" "${word()}_${b}" {`);
      const attrs = 2 + int(5);
      for (let a = 0; a < attrs; a++) out.push(`  attr_${a} = ${expr(0)}`);
      if (r() < 0.3) out.push(`  // a comment about ${word()}`);
      if (r() < 0.4) {
        out.push(`  depends_on = [${type}.${word()}]`);
      }
      if (r() < 0.3) {
        out.push(
          `  content = <<-EOT`,
          `    [${word()}]`,
          `    listen = \${var.port}`,
          `      path = /srv/${word()}`,
          `  EOT`,
        );
      }
      if (r() < 0.5) {
        out.push(`  lifecycle {`, `    create_before_destroy = ${r() < 0.5}`, `  }`);
      }
      if (r() < 0.2) out.push(`  tags { owner = "${word()}" }`);
      out.push(`}`);
    }
    out.push("");
  }
  return out.join("\n");
}

const MUTATION_SNIPPETS = [
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  '"',
  "${",
  "%{",
  "~}",
  "}",
  "\n",
  "<<EOT\n",
  "<<-EOT\n",
  "EOT\n",
  "=",
  ":",
  "?",
  "...",
  ".",
  ".*",
  "[*]",
  ",",
  "#",
  "//",
  "\\",
  "$${",
  "for ",
  "in ",
  "if ",
  "endif",
  "else",
  "-",
  "!",
  "é",
  "0",
  "=>",
  "~",
];

/**
 * `text` with 1–3 small edits (a deletion or an inserted syntax fragment),
 * never splitting a surrogate pair, for differential and fuzz testing.
 */
export function mutateConfig(text: string, next: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(next() * 3);
  for (let k = 0; k < edits; k++) {
    let at = Math.floor(next() * (s.length + 1));
    if (at > 0 && at < s.length && s.charCodeAt(at) >= 0xdc00 && s.charCodeAt(at) <= 0xdfff) at--;
    if (next() < 0.3) {
      let end = at + 1 + Math.floor(next() * 3);
      if (end < s.length && s.charCodeAt(end) >= 0xdc00 && s.charCodeAt(end) <= 0xdfff) end++;
      s = s.slice(0, at) + s.slice(end);
    } else {
      s = s.slice(0, at) + MUTATION_SNIPPETS[Math.floor(next() * MUTATION_SNIPPETS.length)] +
        s.slice(at);
    }
  }
  return s;
}
