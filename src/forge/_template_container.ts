/**
 * `container`: one in-process op that the executor hands to the
 * runner-container plugin (docker or podman CLI). Nothing becomes script text:
 * the attributes travel as data and reach the runtime as argv elements. The
 * runtime is detected when the step runs, not here, so forging stays pure.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { InProcessOp } from "./types.ts";
import type { ResourceTemplate } from "./_templates.ts";
import { emptyStep, stringAttr, templateError } from "./_template_support.ts";

export const containerTemplate: ResourceTemplate = {
  type: "container",
  runtimes: ["docker", "podman"],
  compile(context) {
    const diagnostics: Diagnostic[] = [];
    const action = context.step.action === "delete" ? "delete" : "create";
    const image = stringAttr(context.attributes, "image");
    if (action === "create" && (image === null || image === "")) {
      diagnostics.push(
        templateError(context, "CW4002", "A container needs an `image`", {
          detail: "set `image`, or a `description` so the AI proposes one",
        }),
      );
    }
    const runtime = context.attributes.runtime;
    if (runtime !== undefined && runtime !== null && runtime !== "docker" && runtime !== "podman") {
      diagnostics.push(
        templateError(context, "CW4002", '`runtime` must be "docker" or "podman"'),
      );
    }
    // A replace removes exactly the container it recorded, so with
    // create_before_destroy the delete cannot take down the new one.
    const recordedId = context.change.prior?.observed?.id;
    const op = {
      op: "container" as const,
      action,
      address: context.step.address,
      attributes: { ...context.attributes },
      baseDir: context.baseDir,
      // The step log shows runtime command lines; these attributes' values are masked there.
      sensitive: [
        ...(context.change.resource?.sensitiveAttributes ??
          context.change.prior?.sensitiveAttributes ?? []),
      ],
      containerId: action === "delete" && context.change.action === "replace" &&
          typeof recordedId === "string"
        ? recordedId
        : null,
    };
    return {
      artifacts: [],
      // Pulling an image needs the network; the runtime confines the container itself.
      step: { ...emptyStep(), network: true, inProcess: [op as unknown as InProcessOp] },
      diagnostics,
    };
  },
};
