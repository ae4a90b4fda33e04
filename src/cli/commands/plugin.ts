/**
 * `clockwork plugin add|list|remove|verify`: install plugins with their
 * digest and granted permissions recorded in clockwork.lock, and check them.
 */
import { installPlugin, listPlugins, removePlugin, verifyPlugins } from "../../plugins/host/mod.ts";
import { describePermissions, type Permissions } from "../../plugins/protocol/mod.ts";
import { BUILTIN_PLUGINS } from "../../../plugins/builtins.ts";
import { confirm, jsonOut, painter, renderTable } from "../views/mod.ts";
import type { Command, CommandContext } from "./_types.ts";

function permissionLines(p: Permissions): string {
  return describePermissions(p).map((line) => `  - ${line}`).join("\n");
}

export const pluginAddCommand: Command = {
  name: "plugin add",
  summary: "install a plugin from a file, directory or URL",
  usage: "clockwork plugin add SOURCE [--sha256 HEX] [--yes]",
  description:
    "SOURCE is a directory holding clockwork-plugin.json, a bundled .js with its manifest\n" +
    "beside it, or an http(s) URL of either. The plugin is copied into .clockwork/plugins/\n" +
    "and its sha256 and granted permissions are recorded in clockwork.lock.",
  options: {
    sha256: { type: "string", valueName: "HEX", description: "expected sha256 of the plugin" },
    yes: { type: "boolean", description: "grant the requested permissions without asking" },
  },
  positionals: { min: 1, max: 1, names: "SOURCE" },
  async run(ctx) {
    const yes = ctx.values.yes === true;
    let refusedForTerminal = false;
    const sha = typeof ctx.values.sha256 === "string" ? ctx.values.sha256 : undefined;
    const result = await installPlugin({
      configDir: ctx.cwd,
      cwd: ctx.cwd,
      source: ctx.positionals[0],
      expectedSha256: sha,
      builtins: BUILTIN_PLUGINS,
      async confirm(plugin, permissions) {
        const { manifest } = plugin;
        const intro = `Plugin ${manifest.name} ${manifest.version} (${manifest.kind}), ` +
          `sha256 ${plugin.sha256}\nrequests these permissions:\n${permissionLines(permissions)}`;
        if (yes) {
          if (!ctx.globals.json) ctx.io.stderr(`${intro}\n`);
          return true;
        }
        const answer = await confirm(ctx.io, `${intro}\nGrant them and install?`);
        if (answer === "no-terminal") refusedForTerminal = true;
        return answer === "yes";
      },
    });
    if (!result.value) {
      if (refusedForTerminal) {
        ctx.io.stderr(
          "clockwork plugin add: refusing to grant permissions without confirmation: " +
            "stdin is not a terminal; pass --yes to proceed\n",
        );
      }
      ctx.reportDiagnostics(result.diagnostics);
      return 1;
    }
    const { name, locked, replaced } = result.value;
    if (ctx.globals.json) {
      jsonOut(ctx.io, { plugin: { name, ...locked }, replaced });
    } else {
      ctx.io.stdout(
        `${
          replaced ? "Updated" : "Installed"
        } plugin ${name} ${locked.version} (${locked.kind}), ` +
          `sha256 ${locked.sha256}\n`,
      );
    }
    return 0;
  },
};

export const pluginListCommand: Command = {
  name: "plugin list",
  summary: "list installed plugins",
  usage: "clockwork plugin list",
  options: {},
  async run(ctx) {
    const result = await listPlugins(ctx.cwd, BUILTIN_PLUGINS);
    if (!result.value) {
      ctx.reportDiagnostics(result.diagnostics);
      return 1;
    }
    if (ctx.globals.json) {
      jsonOut(ctx.io, { plugins: result.value });
      return 0;
    }
    const rows = result.value.map((p) => [
      p.name,
      p.version,
      p.kind,
      p.builtin ? "builtin" : p.sha256.slice(0, 12),
      describePermissions(p.permissions).join("; "),
    ]);
    ctx.io.stdout(
      renderTable(rows, {
        header: ["NAME", "VERSION", "KIND", "SHA256", "PERMISSIONS"],
        paint: painter(ctx.io),
      }) + "\n",
    );
    return 0;
  },
};

export const pluginRemoveCommand: Command = {
  name: "plugin remove",
  summary: "uninstall a plugin",
  usage: "clockwork plugin remove NAME",
  options: {},
  positionals: { min: 1, max: 1, names: "NAME" },
  async run(ctx) {
    const name = ctx.positionals[0];
    if (BUILTIN_PLUGINS.some((b) => b.manifest.name === name)) {
      ctx.reportDiagnostics([{
        severity: "error",
        code: "CW7004",
        summary: "Built-in plugins cannot be removed",
        detail:
          `"${name}" is part of Clockwork; select another plugin in the configuration instead`,
      }]);
      return 1;
    }
    const result = await removePlugin(ctx.cwd, name);
    if (!result.value) {
      ctx.reportDiagnostics(result.diagnostics);
      return 1;
    }
    if (ctx.globals.json) jsonOut(ctx.io, { removed: name });
    else ctx.io.stdout(`Removed plugin ${name}\n`);
    return 0;
  },
};

export const pluginVerifyCommand: Command = {
  name: "plugin verify",
  summary: "check installed plugins against clockwork.lock",
  usage: "clockwork plugin verify",
  description: "Exits 1 when any installed plugin's bytes differ from clockwork.lock.",
  options: {},
  async run(ctx: CommandContext) {
    const result = await verifyPlugins(ctx.cwd);
    if (!result.value) {
      ctx.reportDiagnostics(result.diagnostics);
      return 1;
    }
    const bad = result.value.filter((r) => !r.ok);
    ctx.reportDiagnostics(bad.map((r) => ({
      severity: "error" as const,
      code: "CW7002",
      summary: `Plugin ${r.name} does not match clockwork.lock`,
      detail: r.problem,
    })));
    if (ctx.globals.json) {
      jsonOut(ctx.io, {
        ok: bad.length === 0,
        plugins: result.value,
        diagnostics: ctx.takeJsonDiagnostics(),
      });
    } else {
      for (const r of result.value) {
        ctx.io.stdout(r.ok ? `ok        ${r.name}\n` : `MISMATCH  ${r.name}: ${r.problem}\n`);
      }
      if (result.value.length === 0) ctx.io.stdout("no installed plugins\n");
    }
    if (bad.length) return 1;
    return 0;
  },
};
