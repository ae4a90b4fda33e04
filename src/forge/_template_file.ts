/** `file`: content travels as a data artifact; the executor writes it in-process. */
import type { Diagnostic } from "../hcl/mod.ts";
import type { ResourceTemplate, TemplateContext } from "./_templates.ts";
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
    const content = fileContent(context, diagnostics);
    const data = artifact({
      path: artifactPath(context.step.address, context.step.action, ".data"),
      mode: "0600",
      purpose: context.step.id,
      lang: "data",
      content,
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

function fileContent(
  context: TemplateContext,
  diagnostics: Diagnostic[],
): string {
  const content = stringAttr(context.attributes, "content");
  if (content !== null) return content;
  const source = stringAttr(context.attributes, "source");
  if (source === null) return "";
  const sourcePath = resolvePath(context.baseDir, source);
  try {
    return Deno.readTextFileSync(sourcePath);
  } catch (e) {
    diagnostics.push(
      templateError(context, "CW4030", `Cannot read the file's source ${sourcePath}`, {
        detail: e instanceof Error ? e.message : String(e),
      }),
    );
    return "";
  }
}
