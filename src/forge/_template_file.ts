/** `file`: content travels as a data artifact; the executor writes it in-process. */
import type { Diagnostic } from "../hcl/mod.ts";
import type { ResourceTemplate, TemplateContext } from "./_templates.ts";
import {
  artifact,
  artifactPath,
  emptyStep,
  modeAttr,
  resolvePath,
  stringAttr,
  templateError,
} from "./_template_support.ts";

export const fileTemplate: ResourceTemplate = {
  type: "file",
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const rawPath = stringAttr(context.attributes, "path");
    if (rawPath === null || rawPath === "") {
      diagnostics.push(templateError(context, "CW4002", "A file needs a `path`"));
      return { artifacts: [], step: emptyStep(), diagnostics };
    }
    const path = resolvePath(context.baseDir, rawPath);
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
          mode: modeAttr(context, diagnostics),
          owner: stringAttr(context.attributes, "owner"),
          group: stringAttr(context.attributes, "group"),
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
