/**
 * Bytes to source text: the one place every reader of HCL source (.cw,
 * .cwvars, --var-file, fmt) turns a file into text. Input must be UTF-8, as
 * HashiCorp's HCL requires; anything else is refused with a diagnostic at the
 * first byte that is not, instead of being decoded with replacement
 * characters that would then be parsed, formatted or written elsewhere.
 */
import { type Diagnostic, error } from "./diagnostics.ts";
import { makeRange, SourceFile } from "./source.ts";

export const INVALID_ENCODING = "CW1020";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossyDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The text of `bytes` when they are valid UTF-8 (a leading BOM is kept, so
 * the text re-encodes to the same bytes); undefined otherwise.
 */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Offset of the first byte that does not begin a well-formed UTF-8 sequence
 * (overlong forms, surrogates and values past U+10FFFF included, as the
 * WHATWG decoder rejects them), or -1 when all of `bytes` is UTF-8.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let continuations: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) continuations = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      continuations = 2;
      if (lead === 0xe0) lower = 0xa0;
      if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuations = 3;
      if (lead === 0xf0) lower = 0x90;
      if (lead === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= continuations; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < lower || next > upper) return i;
      lower = 0x80;
      upper = 0xbf;
    }
    i += continuations + 1;
  }
  return -1;
}

type WideEncoding = "UTF-16LE" | "UTF-16BE" | "UTF-32LE" | "UTF-32BE";

/**
 * A byte order mark, or for UTF-16 without one, a NUL beside the first
 * character: HCL text never starts with NUL, so either means the file was
 * saved in a wide encoding.
 */
function wideEncodingOf(bytes: Uint8Array): WideEncoding | undefined {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0xff && b1 === 0xfe) return b2 === 0 && b3 === 0 ? "UTF-32LE" : "UTF-16LE";
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return "UTF-32BE";
  if (b0 === 0xfe && b1 === 0xff) return "UTF-16BE";
  if (bytes.length >= 2 && bytes.length % 2 === 0) {
    if (b0 !== 0 && b1 === 0) return "UTF-16LE";
    if (b0 === 0 && b1 !== 0) return "UTF-16BE";
  }
  return undefined;
}

export interface DecodedSource {
  /**
   * The file's text. When `diagnostics` holds an error it is only good for
   * showing the offending line (invalid bytes appear as U+FFFD) and must not
   * be parsed or written anywhere.
   */
  readonly file: SourceFile;
  readonly diagnostics: Diagnostic[];
}

const SAVE_AS_UTF8 = "Clockwork reads only UTF-8, as Terraform does; " +
  "save the file as UTF-8 in your editor (a UTF-8 byte order mark is allowed)";

/**
 * HCL source text from a file's bytes, or a diagnostic (CW1020) at the first
 * byte that is not UTF-8, or at the start of a UTF-16/UTF-32 file.
 */
export function decodeSource(bytes: Uint8Array, filename: string): DecodedSource {
  const text = utf8Text(bytes);
  const wide = wideEncodingOf(bytes);
  if (text !== undefined && wide === undefined) {
    return { file: new SourceFile(filename, text), diagnostics: [] };
  }
  if (wide !== undefined) {
    // The line as the user's editor shows it, so the snippet is recognisable.
    const shown = wide.startsWith("UTF-16")
      ? new TextDecoder(wide === "UTF-16LE" ? "utf-16le" : "utf-16be").decode(bytes)
      : "";
    return {
      file: new SourceFile(filename, shown),
      diagnostics: [
        error(INVALID_ENCODING, "Invalid character encoding", makeRange(filename, 0, 0), {
          detail: `the file is ${wide} encoded, not UTF-8`,
          notes: [SAVE_AS_UTF8],
        }),
      ],
    };
  }
  const bad = firstInvalidUtf8Byte(bytes);
  // Everything before the first bad byte is UTF-8, so its decoded length is
  // where the replacement character for that byte sits in the shown text.
  // The range is empty there: the replacement character's three UTF-8 bytes
  // would give a wrong end byte.
  const at = strictDecoder.decode(bytes.subarray(0, bad)).length;
  return {
    file: new SourceFile(filename, lossyDecoder.decode(bytes)),
    diagnostics: [
      error(INVALID_ENCODING, "Invalid character encoding", makeRange(filename, at, at), {
        detail: `byte 0x${
          bytes[bad].toString(16).toUpperCase().padStart(2, "0")
        } is not valid UTF-8; all input files must be UTF-8 encoded`,
        notes: [SAVE_AS_UTF8],
      }),
    ],
  };
}
