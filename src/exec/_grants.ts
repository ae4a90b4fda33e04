/** Write grants: which paths a step may write, as the sandbox and in-process ops see them. */
import { dirname, resolve } from "node:path";

const HOME = Deno.env.get("HOME");

/** /, the top-level directories (/etc, /tmp, …) and $HOME itself are never granted whole. */
export function tooBroad(path: string): boolean {
  const p = resolve(path);
  if (p.split("/").length <= 2) return true;
  return HOME !== undefined && resolve(HOME) === p;
}

export function inside(path: string, grant: string): boolean {
  const p = resolve(path);
  const g = resolve(grant);
  return p === g || p.startsWith(g === "/" ? "/" : g + "/");
}

export function insideAny(path: string, grants: readonly string[]): boolean {
  return grants.some((g) => inside(path, g));
}

/** Whether anything (a dangling symlink too) is at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What to bind writable for a declared path: the path itself when it exists
 * (its real location), else its nearest existing ancestor — refused when that
 * ancestor is too broad, because granting /tmp or /etc whole for one new file
 * would hand the step far more than it declared.
 */
export function bindTarget(path: string): { path: string } | { refused: string } {
  let current = resolve(path);
  while (!exists(current)) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  const real = Deno.realPathSync(current);
  if (current !== resolve(path) && tooBroad(real)) {
    return {
      refused:
        `${path} does not exist yet and its nearest existing directory ${real} is too broad to grant; create a directory for it first (e.g. a directory resource)`,
    };
  }
  return { path: real };
}
