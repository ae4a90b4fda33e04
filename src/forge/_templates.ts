/**
 * Templates turn one plan step of one resource type into artifacts and a
 * bundle step. To add a resource type, write `_template_<type>.ts` exporting a
 * `ResourceTemplate` and add one line to `TEMPLATES` below.
 *
 * The rule every template follows: user values never become script text.
 * Template scripts are fixed strings that read user values from environment
 * variables (`CW_RUN`, `CW_CREATES`, …) or from data artifacts; only a user's
 * own `script` becomes an artifact of origin "user" (or "ai"), and those go
 * through the security scan before anything runs.
 */
import type { Diagnostic } from "../hcl/mod.ts";
import type { Change, PlanStep } from "../plan/mod.ts";
import type { Artifact, BundleStep } from "./types.ts";
import { commandTemplate } from "./_template_command.ts";
import { containerTemplate } from "./_template_container.ts";
import { directoryTemplate } from "./_template_directory.ts";
import { fileTemplate } from "./_template_file.ts";
import { taskTemplate } from "./_template_task.ts";

export interface TemplateContext {
  readonly step: PlanStep;
  readonly change: Change;
  /**
   * What this step works from: the desired attributes for create/update, the
   * recorded ones for delete.
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Absolute build directory (`.clockwork/build`). */
  readonly buildDir: string;
  /** Directory relative paths resolve against (the module's, else the root). */
  readonly baseDir: string;
}

/** The parts of a bundle step a template decides; the compiler fills id, purpose, dependsOn. */
export type StepParts = Pick<
  BundleStep,
  "argv" | "env" | "cwd" | "writes" | "network" | "inProcess"
>;

export interface TemplateResult {
  readonly artifacts: Artifact[];
  readonly step: StepParts;
  readonly diagnostics: Diagnostic[];
}

export interface ResourceTemplate {
  readonly type: string;
  /**
   * Programs this type's steps may start besides the shared allowlist
   * (bash, sh, python3, deno), e.g. `["podman", "docker"]` for containers.
   */
  readonly runtimes?: readonly string[];
  compile(context: TemplateContext): TemplateResult;
}

export const TEMPLATES: Readonly<Record<string, ResourceTemplate>> = {
  file: fileTemplate,
  directory: directoryTemplate,
  command: commandTemplate,
  container: containerTemplate,
  task: taskTemplate,
};

export const BASE_RUNTIMES: readonly string[] = ["bash", "sh", "python3", "deno"];
