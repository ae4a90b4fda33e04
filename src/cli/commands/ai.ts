/**
 * `clockwork ai status`: which provider and model are configured, whether it
 * answers, and what models it lists. `clockwork ai refresh [ADDR]`: ask the
 * model again for AI-filled values and re-pin them; the next plan shows the
 * difference.
 */
import { hasErrors } from "../../hcl/mod.ts";
import { aiDisabledReason, completeWithAi, openAiSession, settingsFor } from "../ai.ts";
import { configDir, loadConfiguration } from "../pipeline.ts";
import { jsonOut, mark, painter } from "../views/mod.ts";
import type { Command } from "./_types.ts";

const STATUS_TIMEOUT_MS = 5_000;

export const aiStatusCommand: Command = {
  name: "ai status",
  summary: "show the AI provider and model, and whether it answers",
  usage: "clockwork ai status [DIR]",
  description: "Exits 0 when the provider answers (or AI is off), 1 when it does not.",
  options: {},
  positionals: { min: 0, max: 1, names: "DIR" },
  async run(ctx) {
    const dir = configDir(ctx);
    const loaded = loadConfiguration(ctx, dir);
    // A broken configuration or setting (its clockwork block, .env) decides nothing here.
    ctx.reportDiagnostics(loaded.diagnostics);
    if (hasErrors(loaded.diagnostics)) return 1;
    const s = settingsFor(ctx, dir, loaded.config).value;
    const disabled = aiDisabledReason(ctx, s);
    let answers = false;
    let models: string[] = [];
    let problem: string | null = disabled;
    if (!disabled) {
      const session = await openAiSession(dir, s, STATUS_TIMEOUT_MS);
      try {
        models = await session.value.provider.listModels(STATUS_TIMEOUT_MS);
        answers = true;
        problem = null;
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
        // The commonest slip after switching from ollama: the OpenAI API lives under /v1.
        if (s.aiProvider === "openai" && /\b404\b/.test(problem) && !/\/v1\/?$/.test(s.baseUrl)) {
          problem += ` (OpenAI-compatible servers usually serve under /v1: try ${
            s.baseUrl.replace(/\/$/, "")
          }/v1)`;
        }
      } finally {
        await session.value.close();
      }
    }
    const modelAvailable = models.includes(s.model);
    if (ctx.globals.json) {
      jsonOut(ctx.io, {
        provider: s.aiProvider,
        model: s.model,
        base_url: s.baseUrl,
        sources: {
          provider: s.sources.aiProvider,
          model: s.sources.model,
          base_url: s.sources.baseUrl,
        },
        enabled: disabled === null,
        answers,
        models,
        model_available: modelAvailable,
        ...(problem ? { problem } : {}),
      });
    } else {
      const lines = [
        `provider  ${s.aiProvider}  (from ${s.sources.aiProvider})`,
        `model     ${s.model}  (from ${s.sources.model})`,
        `base url  ${s.baseUrl || "-"}  (from ${s.sources.baseUrl})`,
      ];
      if (disabled) {
        lines.push(`status    ${disabled}; pinned answers in clockwork.lock are still used`);
      } else if (answers) {
        lines.push(`status    ${mark(true, painter(ctx.io))} answers`);
        lines.push(`models    ${models.length ? models.join(", ") : "(none listed)"}`);
        if (!modelAvailable) {
          lines.push(`note      the model "${s.model}" is not among the listed models`);
        }
      } else lines.push(`status    ${mark(false, painter(ctx.io))} does not answer: ${problem}`);
      ctx.io.stdout(lines.join("\n") + "\n");
    }
    return disabled !== null || answers ? 0 : 1;
  },
};

export const aiRefreshCommand: Command = {
  name: "ai refresh",
  summary: "ask the model again for AI-filled values and re-pin them",
  usage: "clockwork ai refresh [ADDR] [-C DIR]",
  description:
    "Without ADDR every AI-filled value is asked again. The new answers are validated and\n" +
    "pinned in clockwork.lock; run `clockwork plan` to see the difference.",
  options: {},
  positionals: { min: 0, max: 1, names: "ADDR" },
  async run(ctx) {
    const dir = configDir(ctx, ".");
    const address = ctx.positionals[0];
    const loaded = loadConfiguration(ctx, dir);
    ctx.reportDiagnostics(loaded.diagnostics);
    if (!loaded.config || hasErrors(loaded.diagnostics)) return 1;
    const settings = settingsFor(ctx, dir, loaded.config);
    const disabled = aiDisabledReason(ctx, settings.value);
    if (disabled) {
      ctx.io.stderr(`clockwork ai refresh: ${disabled}; nothing to ask\n`);
      return 1;
    }
    const wanted = loaded.config.resources.filter((r) =>
      r.aiFields.length > 0 &&
      (address === undefined || r.address === address || r.address.startsWith(`${address}[`))
    );
    if (wanted.length === 0) {
      ctx.io.stderr(
        address === undefined
          ? "clockwork ai refresh: no resource in this configuration is filled by AI\n"
          : `clockwork ai refresh: ${address} is not a resource filled by AI\n`,
      );
      return 1;
    }
    const asked = new Set(wanted.map((r) => r.address));
    const completed = await completeWithAi(ctx, loaded.config, settings.value, {
      refresh: (addr) => asked.has(addr),
    });
    ctx.reportDiagnostics(completed.diagnostics);
    const refreshed = completed.filled.filter((f) => !f.fromPin && asked.has(f.address));
    if (ctx.globals.json) {
      jsonOut(ctx.io, {
        refreshed: refreshed.map((f) => ({ address: f.address, field: f.field })),
        diagnostics: ctx.takeJsonDiagnostics(),
      });
    } else {
      for (const f of refreshed) ctx.io.stdout(`refreshed ${f.address} ${f.field}\n`);
      if (refreshed.length) ctx.io.stdout("Run `clockwork plan` to see the difference.\n");
    }
    return hasErrors(completed.diagnostics) ? 1 : 0;
  },
};
