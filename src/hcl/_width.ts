/**
 * Terminal columns a text takes: CJK ideographs, Hangul, fullwidth forms and
 * emoji take two, combining marks and joiners none, everything else one. Good
 * enough to put a caret under the right character; not a full implementation
 * of Unicode's East Asian Width (ambiguous characters count as narrow, as
 * terminals outside East Asian locales show them).
 */

/** Code point ranges shown two columns wide (East Asian Wide and Fullwidth). */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x16fe4], // ideographic symbols
  [0x17000, 0x18aff], // Tangut
  [0x1b000, 0x1b2ff], // Kana supplement and extensions, Nushu
  [0x1f200, 0x1f2ff], // enclosed ideographic supplement
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x20000, 0x2fffd], // CJK extensions B–F
  [0x30000, 0x3fffd], // CJK extension G and later
];

const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;
const EMOJI_VARIATION = "\ufe0f";
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

function isWide(codePoint: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = WIDE_RANGES[mid];
    if (codePoint < start) hi = mid - 1;
    else if (codePoint > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns of one user-perceived character (a grapheme cluster). */
function graphemeWidth(grapheme: string): number {
  const first = grapheme.codePointAt(0) ?? 0;
  // An emoji sequence (👩‍💻, ❤️, 🇫🇷) shows as one wide picture.
  if (EMOJI_PRESENTATION.test(grapheme) || grapheme.includes(EMOJI_VARIATION)) return 2;
  if (isWide(first)) return 2;
  if (first < 0x20 || (first >= 0x7f && first < 0xa0)) return 0;
  if (ZERO_WIDTH.test(String.fromCodePoint(first))) return 0;
  return 1;
}

let segmenter: Intl.Segmenter | undefined;

/** The grapheme clusters of `text`, each with its width in columns. */
export function graphemes(text: string): { text: string; width: number }[] {
  if (PLAIN_ASCII.test(text)) return [...text].map((c) => ({ text: c, width: 1 }));
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return [...segmenter.segment(text)].map(({ segment }) => ({
    text: segment,
    width: graphemeWidth(segment),
  }));
}

/** Terminal columns `text` takes (no tabs or escapes expected). */
export function displayWidth(text: string): number {
  if (PLAIN_ASCII.test(text)) return text.length;
  let width = 0;
  for (const g of graphemes(text)) width += g.width;
  return width;
}
