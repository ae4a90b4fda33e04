/**
 * `file`: content travels as a data artifact; the executor writes it
 * in-process. Content that is not UTF-8 (a binary `source`) travels as base64
 * and is written byte for byte.
 */
import { type Diagnostic, utf8Text } from "../hcl/mod.ts";
import type { ResourceTemplate, TemplateContext } from "./_templates.ts";
import type { Artifact } from "./types.ts";
import {
  artifact,
  artifactPath,
  emptyStep,
  ownershipAttrs,
  requiredPath,
  resolvePath,
  stringAttr,
  templateError,
} from "./_template_support.ts";

export const fileTemplate: ResourceTemplate = {
  type: "file",
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const path = requiredPath(context, diagnostics, "A file");
    if (path === null) return { artifacts: [], step: emptyStep(), diagnostics };
    if (context.step.action === "delete") {
      return {
        artifacts: [],
        step: {
          ...emptyStep(),
          writes: [path],
          inProcess: [{ op: "remove", path, recursive: false }],
        },
        diagnostics,
      };
    }
    const data = artifact({
      path: artifactPath(context.step.address, context.step.action, ".data"),
      mode: "0600",
      purpose: context.step.id,
      lang: "data",
      ...fileContent(context, diagnostics),
      origin: context.change.aiFilled.includes("content") ? "ai" : "user",
    });
    return {
      artifacts: [data],
      step: {
        ...emptyStep(),
        writes: [path],
        inProcess: [{
          op: "write_file",
          path,
          artifact: data.path,
          ...ownershipAttrs(context, diagnostics),
        }],
      },
      diagnostics,
    };
  },
};

type FileContent = Pick<Artifact, "content" | "encoding">;

/** The configuration's content (text, or base64 from a binary source), else the source read now. */
function fileContent(
  context: TemplateContext,
  diagnostics: Diagnostic[],
): FileContent {
  const content = stringAttr(context.attributes, "content");
  if (content !== null) return { content };
  const base64 = stringAttr(context.attributes, "content_base64");
  if (base64 !== null) return { content: base64, encoding: "base64" };
  const source = stringAttr(context.attributes, "source");
  if (source === null) return { content: "" };
  const sourcePath = resolvePath(context.baseDir, source);
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(sourcePath);
  } catch (e) {
    diagnostics.push(
      templateError(context, "CW4030", `Cannot read the file's source ${sourcePath}`, {
        detail: e instanceof Error ? e.message : String(e),
      }),
    );
    return { content: "" };
  }
  const text = utf8Text(bytes);
  return text !== undefined ? { content: text } : { content: bytes.toBase64(), encoding: "base64" };
}
