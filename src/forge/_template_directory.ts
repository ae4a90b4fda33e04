/** `directory`: created and removed by the executor in-process (never recursively). */
import type { Diagnostic } from "../hcl/mod.ts";
import type { ResourceTemplate } from "./_templates.ts";
import { emptyStep, ownershipAttrs, requiredPath } from "./_template_support.ts";

export const directoryTemplate: ResourceTemplate = {
  type: "directory",
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const path = requiredPath(context, diagnostics, "A directory");
    if (path === null) return { artifacts: [], step: emptyStep(), diagnostics };
    // Destroy never deletes content Clockwork did not create: a directory that
    // existed before is left in place, and ours is removed only when empty.
    const recorded = context.change.prior?.observed?.created;
    const created = typeof recorded === "boolean" ? recorded : null;
    const op = context.step.action === "delete"
      ? { op: "remove" as const, path, recursive: false, ...(created === false ? { created } : {}) }
      : {
        op: "mkdir" as const,
        path,
        ...ownershipAttrs(context, diagnostics),
        // An update keeps the record; a create (also of a replace) observes afresh.
        ...(context.step.action === "update" ? { created } : {}),
      };
    return {
      artifacts: [],
      step: { ...emptyStep(), writes: [path], inProcess: [op] },
      diagnostics,
    };
  },
};
