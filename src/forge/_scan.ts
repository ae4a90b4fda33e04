/**
 * The security scan for scripts we did not write ourselves (origin user or
 * ai). It looks for the few patterns that are almost never intended in
 * host automation and refuses them with the artifact and line.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { Artifact } from "./types.ts";

export interface ScanContext {
  /** Absolute paths the step may write (its grant), besides the build dir. */
  readonly writes: readonly string[];
  readonly buildDir: string;
  readonly address?: string;
}

interface Rule {
  readonly code: string;
  readonly what: string;
  readonly test: (line: string, context: ScanContext) => string | null;
}

const HOME_OR_ROOT = String
  .raw`(?:"|')?(?:\/|\/\*|~|~\/|~\/\*|\$HOME|\$\{HOME\}|\$HOME\/\*?|\$\{HOME\}\/\*?)(?:"|')?`;
const RM_RECURSIVE = new RegExp(
  String
    .raw`\brm\s+(?:-[A-Za-z]*[rR][A-Za-z]*|--recursive)(?:\s+-{1,2}[A-Za-z-]+)*\s+(?:.*\s)?${HOME_OR_ROOT}(?:\s|;|&|\||$)`,
);
const PY_RMTREE =
  /\bshutil\.rmtree\(\s*(?:["'](?:\/|~\/?)["']|os\.path\.expanduser\(\s*["']~\/?["']\s*\)|os\.environ\[["']HOME["']\]|Path\.home\(\))/;
const DENO_REMOVE =
  /\bDeno\.remove(?:Sync)?\(\s*(?:["']\/["']|Deno\.env\.get\(\s*["']HOME["']\s*\))\s*,\s*\{[^}]*recursive\s*:\s*true/;
const PIPE_TO_SHELL =
  /\b(?:curl|wget|fetch)\b[^|\n]*\|\s*(?:sudo\s+)?(?:env\s+)?(?:\/\w+)*\/?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?python3?\b|\b(?:ba)?sh\s+<\(\s*(?:curl|wget)\b|\$\(\s*(?:curl|wget)\b[^)]*\)\s*"?\s*$|\b(?:ba)?sh\s+-c\s+["']?\$\(\s*(?:curl|wget)\b/;
const PRIVILEGE =
  /\bsudo\b|\bsu\s+(?:-|root\b)|\bchmod\s+(?:-\w+\s+)*(?:[ugoa]*\+[rwxt]*s|[2467][0-7]{3})\b|\bchown\s+(?:-\w+\s+)*(?:root|0)(?::|\s|$)|\bsetcap\b|\bsetuid\b|\bos\.set(?:e|re|res)?uid\(|\bos\.chown\([^)]*,\s*0\s*,/;
/** `> /abs/path`, `>> /abs`, `tee [-a] /abs`, and `> ~/x` / `> $HOME/x`. */
const REDIRECT =
  /(?:\d?>>?|&>>?|\btee\s+(?:-a\s+)?)\s*("?)((?:\/|~\/|\$HOME\/|\$\{HOME\}\/)[^\s"';|&)]*)\1/g;

function insideGrant(path: string, context: ScanContext): boolean {
  if (/^\/dev\/(?:null|stdout|stderr|fd\/\d+)$/.test(path)) return true;
  // /tmp is not private in the sandbox (it is the host's, read-only): scratch goes to $TMPDIR.
  const grants = [context.buildDir, ...context.writes];
  return grants.some((g) => path === g || path.startsWith(g.endsWith("/") ? g : g + "/"));
}

const RULES: readonly Rule[] = [
  {
    code: "CW4020",
    what: "recursive delete of / or the home directory",
    test: (line) =>
      RM_RECURSIVE.test(line) || /--no-preserve-root/.test(line) || PY_RMTREE.test(line) ||
        DENO_REMOVE.test(line)
        ? "recursive delete of / or the home directory"
        : null,
  },
  {
    code: "CW4021",
    what: "download piped into a shell",
    test: (line) => PIPE_TO_SHELL.test(line) ? "a download piped into a shell (curl|sh)" : null,
  },
  {
    code: "CW4023",
    what: "privilege change",
    test: (line) => {
      const m = PRIVILEGE.exec(line);
      return m ? `a privilege change (${m[0].trim()})` : null;
    },
  },
  {
    code: "CW4022",
    what: "write outside the declared targets",
    test: (line, context) => {
      for (const m of line.matchAll(REDIRECT)) {
        const target = m[2];
        if (target.startsWith("/") && insideGrant(target, context)) continue;
        return `a write to ${target}, which the resource does not declare`;
      }
      return null;
    },
  },
];

/** Drops a trailing `# comment` (good enough for shell and Python; strings with # are rare here). */
function stripComment(line: string, lang: string): string {
  const trimmed = line.trimStart();
  if (lang === "deno") return trimmed.startsWith("//") ? "" : line;
  if (trimmed.startsWith("#")) return "";
  return line.replace(/\s#.*$/, "");
}

export function scanArtifact(artifact: Artifact, context: ScanContext): Diagnostic[] {
  if (artifact.origin === "template" || artifact.lang === "data") return [];
  const diagnostics: Diagnostic[] = [];
  const lines = artifact.content.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i], artifact.lang);
    if (line.trim() === "") continue;
    for (const rule of RULES) {
      const found = rule.test(line, context);
      if (found === null) continue;
      diagnostics.push({
        severity: "error",
        code: rule.code,
        summary: `Refusing to run ${artifact.path}: line ${i + 1} contains ${found}`,
        detail: `${artifact.path}:${i + 1}: ${lines[i].trim()}`,
        ...(context.address ? { address: context.address } : {}),
        notes: [
          artifact.origin === "ai"
            ? "this script was written by the AI; change the description or write the script yourself"
            : "the security scan refuses this pattern in task scripts; declare the path in `writes` (scratch files belong in $TMPDIR) or do it another way",
        ],
      });
    }
  }
  return diagnostics;
}
