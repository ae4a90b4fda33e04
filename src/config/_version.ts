/** `clockwork { required_version = ">= 0.1, < 2" }` against the running version. */

function parts(version: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies every comma-separated constraint (`=`, `!=`,
 * `>`, `>=`, `<`, `<=`, `~>` as Terraform reads them); a string when the
 * constraint itself cannot be read.
 */
export function satisfiesVersion(version: string, constraint: string): boolean | string {
  const have = parts(version);
  if (!have) return `"${version}" is not a version`;
  for (const raw of constraint.split(",")) {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(raw);
    const want = m ? parts(m[2]) : undefined;
    if (!m || !want) return `"${raw.trim()}" is not a version constraint such as ">= 0.1"`;
    const c = compare(have, want);
    const op = m[1] ?? "=";
    let ok: boolean;
    switch (op) {
      case "=":
        ok = c === 0;
        break;
      case "!=":
        ok = c !== 0;
        break;
      case ">":
        ok = c > 0;
        break;
      case ">=":
        ok = c >= 0;
        break;
      case "<":
        ok = c < 0;
        break;
      case "<=":
        ok = c <= 0;
        break;
      default: {
        // ~> 1.2 allows 1.x from 1.2; ~> 1.2.3 allows 1.2.x from 1.2.3.
        const segments = m[2].split(".").length;
        const upper = segments >= 3 ? [want[0], want[1] + 1, 0] : [want[0] + 1, 0, 0];
        ok = c >= 0 && compare(have, upper) < 0;
      }
    }
    if (!ok) return false;
  }
  return true;
}
