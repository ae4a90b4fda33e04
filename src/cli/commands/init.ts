import { join, relative } from "node:path";
import { error } from "../../hcl/mod.ts";
import { jsonOut } from "../views/json.ts";
import { configDir } from "../pipeline.ts";
import type { Command } from "./_types.ts";

/** The starter configuration: valid as written, and `plan` shows what it would do. */
export const STARTER_CONFIG =
  `# Clockwork configuration. Run \`clockwork plan\` to see what it would do,
# and \`clockwork apply\` to do it.

variable "greeting" {
  type        = string
  default     = "hello from Clockwork"
  description = "Text written to the example file"
}

locals {
  site_dir = "\${path.root}/site"
}

resource "directory" "site" {
  path = local.site_dir
}

resource "file" "index" {
  path    = "\${directory.site.path}/index.html"
  content = "<h1>\${var.greeting}</h1>\\n"
  mode    = "0644"

  assert "file_exists" {}
}

output "index_path" {
  value = file.index.path
}
`;

export const initCommand: Command = {
  name: "init",
  summary: "scaffold a starter main.cw in an empty directory",
  usage: "clockwork init [DIR]",
  description:
    "Creates DIR if needed and writes main.cw there. A directory that already has files is\nleft alone.",
  options: {},
  positionals: { min: 0, max: 1, names: "[DIR]" },
  async run(ctx) {
    const dir = configDir(ctx);
    const shown = relative(ctx.cwd, dir) || ".";
    let entries: string[] = [];
    try {
      entries = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        ctx.reportDiagnostics([error("CW9101", `Cannot read directory ${shown}`, undefined, {
          detail: e instanceof Error ? e.message : String(e),
        })]);
        return finish(ctx, false, []);
      }
    }
    if (entries.length > 0) {
      ctx.reportDiagnostics([error("CW9102", `Directory ${shown} is not empty`, undefined, {
        detail: `init only scaffolds into an empty directory; found ${
          entries.slice(0, 3).join(", ")
        }${entries.length > 3 ? ", …" : ""}`,
      })]);
      return finish(ctx, false, []);
    }
    await Deno.mkdir(dir, { recursive: true });
    const file = join(dir, "main.cw");
    await Deno.writeTextFile(file, STARTER_CONFIG, { createNew: true });
    if (!ctx.globals.json) {
      ctx.io.stdout(
        `Created ${relative(ctx.cwd, file)}.\n\nNext steps:\n  clockwork plan ${
          shown === "." ? "" : shown
        }\n  clockwork apply ${shown === "." ? "" : shown}\n`.replace(/ \n/g, "\n"),
      );
    }
    return finish(ctx, true, [file]);
  },
};

function finish(ctx: Parameters<Command["run"]>[0], ok: boolean, created: string[]): number {
  if (ctx.globals.json) {
    jsonOut(ctx.io, {
      created: created.map((f) => relative(ctx.cwd, f)),
      diagnostics: ctx.takeJsonDiagnostics(),
    });
  }
  return ok ? 0 : 1;
}
