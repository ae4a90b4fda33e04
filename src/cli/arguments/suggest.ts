/** "Did you mean …?" for mistyped commands and flags. */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        d[(i - 1) * cols + j] + 1,
        d[i * cols + j - 1] + 1,
        d[(i - 1) * cols + j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The closest candidate, if it is close enough to be a plausible typo: at most
 * a third of the word's length away (minimum 1, maximum 3), or a prefix of at
 * least two characters ("pl" suggests "plan").
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;
  if (word.length >= 2) {
    for (const candidate of candidates) if (candidate.startsWith(word)) return candidate;
  }
  return undefined;
}

/** ` Did you mean "x"?` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match === undefined ? "" : ` Did you mean "${match}"?`;
}

/** Spellings of the version flag in other tools (`terraform -version`, `-v`). */
const VERSION_SPELLINGS = new Set(["-v", "-V", "-version", "--version"]);

/**
 * ` Did you mean "…"?` for an unknown flag, or the empty string. Long flags take
 * two dashes here, so `-auto-approve` (Terraform's spelling) suggests
 * `--auto-approve`; a version flag suggests the `version` command; a one-letter
 * flag suggests only the same letter in the other case (`-c` → `-C`), since any
 * two one-letter flags are one edit apart.
 */
export function flagSuggestion(flag: string, spellings: Iterable<string>): string {
  if (VERSION_SPELLINGS.has(flag)) return ` Did you mean "clockwork version"?`;
  const all = [...spellings];
  const longs = all.filter((s) => s.startsWith("--"));
  if (/^-[^-]$/.test(flag)) {
    const other = all.find((s) => s.length === 2 && s.toLowerCase() === flag.toLowerCase());
    return other === undefined ? "" : ` Did you mean "${other}"?`;
  }
  const long = flag.startsWith("--") ? flag : `-${flag}`;
  if (long !== flag && longs.includes(long)) return ` Did you mean "${long}"?`;
  return didYouMean(long, longs);
}
