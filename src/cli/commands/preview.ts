import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type CommandModule, type CliIO } from '../command';
import {
  SAMPLE_INFO,
  buildCases,
  formatDiagnostic,
  hasErrors,
  loadConfig,
  loadDataset,
  loadPromptTemplate,
  lookupPrice,
  parsePromptFile,
  promptDiagnostics,
  previewPrompt,
  resolveConfigPath,
  sampleCase,
  type Diagnostic,
  type ParsedPrompt,
  type PromptPreview,
  type PromptRenderInfo,
  type TestCase,
  type TokenPrice,
  formIds,
  hasForm,
} from '../../core';
import { readFile } from 'node:fs/promises';

const DEFAULT_MODEL = 'gpt-4o-mini';

/** Renders one case of an eval (or a sample case) through a prompt template, with token counts and cost. */
export const previewCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        case: { type: 'string' },
        prompt: { type: 'string' },
        model: { type: 'string' },
        config: { type: 'string' },
        form: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1)
      throw new UsageError('expected one config (.ubp.json) or template (.prompt) file');
    const target = path.resolve(io.cwd, positionals[0]!);
    const isPrompt = target.endsWith('.prompt');
    if (values.form !== undefined && !hasForm(values.form)) {
      throw new UsageError(`--form expects one of ${formIds().join(', ')}, got "${values.form}"`);
    }
    if (values.config && !isPrompt) throw new UsageError('--config goes with a .prompt file');
    const show = (file: string) => displayPath(file, io.cwd);

    // The template(s) and, when a config is involved, its cases.
    let prompts: ParsedPrompt[];
    let chosen: ParsedPrompt;
    let cases: TestCase[];
    let info: PromptRenderInfo;
    let models: { id: string; model: string; price?: TokenPrice }[] = [];
    let samples = 1;
    let source: string;
    const configFile = isPrompt ? (values.config ? path.resolve(io.cwd, values.config) : undefined) : target;
    if (isPrompt) {
      let text: string;
      try {
        text = await readFile(target, 'utf8');
      } catch (e) {
        throw new Error(`cannot read ${show(target)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      chosen = parsePromptFile(text, show(target));
      prompts = [chosen];
    }
    if (configFile) {
      const { config, dir } = await loadConfig(configFile);
      if (!isPrompt) {
        prompts = config.prompts.map((ref) => {
          const p = loadPromptTemplate(ref, dir);
          return ref.startsWith('builtin:') ? p : { ...p, file: show(p.file) };
        });
        chosen = prompts[pickPrompt(values.prompt, config.prompts)]!;
      }
      models = config.models.map((m) => ({ id: m.id, model: m.model, price: m.price }));
      samples = config.run.samples;
      const loaded = await loadDataset(resolveConfigPath(config, dir, config.dataset.path), {
        format: config.dataset.format,
        mode: config.dataset.mode,
        columns: config.dataset.columns,
      });
      const data = loaded.data;
      cases = buildCases(data, config.task).cases;
      info = {
        dataset: { name: data.name, kind: data.kind, scale: data.scale },
        task: {
          likeThreshold: config.task.likeThreshold,
          topShare: config.task.topShare,
          k: config.task.k,
          probe: config.task.probe,
        },
      };
      source = `${show(configFile)}: ${cases.length} ${config.task.form} case(s) from ${data.name}`;
    } else {
      const form = values.form ?? chosen!.frontMatter.forms?.[0] ?? formIds()[0]!;
      cases = [sampleCase(form)];
      info = SAMPLE_INFO;
      source = `the built-in sample ${form} case (ml-latest-small user 1); pass --config to render real cases`;
    }

    // Every template's diagnostics; a template with errors is not rendered.
    const all: { file: string; diagnostic: Diagnostic }[] = [];
    for (const p of prompts!) for (const d of promptDiagnostics(p)) all.push({ file: p.file, diagnostic: d });
    const failed = prompts!.some((p) => hasErrors(promptDiagnostics(p)));

    const index = pickCase(values.case, cases);
    const model = pickModel(values.model, models);
    const preview = await previewPrompt({
      parsed: chosen!,
      cases,
      index,
      info,
      model: model.model,
      // The model entry's own price, else the default table (the same lookup a run makes).
      price: model.price ?? lookupPrice(model.model),
      samples,
    });

    if (values.json) {
      io.out(
        JSON.stringify(
          {
            prompt: chosen!.file,
            source,
            diagnostics: all.map(({ file, diagnostic: d }) => ({
              file,
              line: d.range.start.line + 1,
              column: d.range.start.character + 1,
              severity: d.severity,
              code: d.code,
              message: d.message,
              range: d.range,
            })),
            case: cases[index]
              ? { index, id: cases[index].id, user: cases[index].user, form: cases[index].form }
              : null,
            model: model.model,
            price: model.price ?? null,
            messages: preview.messages,
            tokens: preview.tokens,
            caseCost: preview.caseCost,
            eval: preview.eval,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      for (const { file, diagnostic } of all) io.err(`${formatDiagnostic(diagnostic, file)}\n`);
      printText(io, preview, { chosen: chosen!, source, index, cases, model, sample: !configFile });
    }
    return failed ? 1 : 0;
  },
};

function printText(
  io: CliIO,
  preview: PromptPreview,
  ctx: {
    chosen: ParsedPrompt;
    source: string;
    index: number;
    cases: TestCase[];
    model: { id: string; model: string; price?: TokenPrice; defaulted?: boolean };
    /** The built-in sample case: there is no eval to estimate. */
    sample: boolean;
  },
): void {
  const { chosen, source, index, cases, model } = ctx;
  const c = cases[index]!;
  io.out(`${chosen.file} · case ${index} of ${cases.length} (id ${c.id}, user ${c.user}) · ${source}\n`);
  if (!preview.messages || !preview.tokens) {
    io.out('\nnot rendered: the template has errors (listed above)\n');
    return;
  }
  preview.messages.forEach((m, i) => {
    io.out(`\n── ${m.role} · ${preview.tokens!.perMessage[i]} tokens ──\n${m.content}\n`);
  });
  const t = preview.tokens;
  const which = model.defaulted ? `${model.model} (no model named: --model to choose)` : model.model;
  io.out(`\ntokens: ${t.total} prompt tokens for ${which}, counted with ${t.note}\n`);
  const e = preview.eval!;
  const n = (x: number) => x.toLocaleString('en-US');
  const evalSize = `${n(e.requests)} request${e.requests === 1 ? '' : 's'}, ${n(e.inputTokens)} prompt + ~${n(e.outputTokens)} answer tokens`;
  const caseCost = preview.caseCost!;
  const price = model.price ?? lookupPrice(model.model);
  if (price) {
    const p = price;
    const whole = ctx.sample ? '' : `; ${usd(e.costUsd!)} the whole eval (${evalSize})`;
    io.out(
      `cost:   ${usd(caseCost.costUsd!)} this case (${t.total} prompt + ~${caseCost.outputTokens} answer tokens)${whole}` +
        ` at $${p.inputPerMTok} / $${p.outputPerMTok} per M tokens\n`,
    );
  } else {
    io.out(
      `cost:   no price for ${model.model} (add "price": {"inputPerMTok", "outputPerMTok"} to the model in the config)` +
        (ctx.sample ? '\n' : `; the whole eval is ${evalSize}\n`),
    );
  }
}

function usd(x: number): string {
  return x >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`;
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function pickPrompt(arg: string | undefined, refs: readonly string[]): number {
  if (arg === undefined) return 0;
  if (/^\d+$/.test(arg)) {
    const i = Number(arg);
    if (i >= refs.length)
      throw new UsageError(`--prompt ${i}: the config has ${refs.length} prompt(s) (0..${refs.length - 1})`);
    return i;
  }
  const i = refs.indexOf(arg);
  if (i === -1)
    throw new UsageError(`--prompt "${arg}" is not one of the config's prompts: ${refs.join(', ')}`);
  return i;
}

function pickCase(arg: string | undefined, cases: readonly TestCase[]): number {
  if (cases.length === 0) throw new Error('the config gives no test cases (see `ubp cases`)');
  if (arg === undefined) return 0;
  if (/^\d+$/.test(arg)) {
    const i = Number(arg);
    if (i >= cases.length)
      throw new UsageError(`--case ${i}: there are ${cases.length} case(s) (0..${cases.length - 1})`);
    return i;
  }
  const i = cases.findIndex((c) => c.id === arg);
  if (i === -1) throw new UsageError(`--case "${arg}": no case has this id`);
  return i;
}

function pickModel(
  arg: string | undefined,
  models: readonly { id: string; model: string; price?: TokenPrice }[],
): { id: string; model: string; price?: TokenPrice; defaulted?: boolean } {
  if (arg === undefined) return models[0] ?? { id: DEFAULT_MODEL, model: DEFAULT_MODEL, defaulted: true };
  return models.find((m) => m.id === arg || m.model === arg) ?? { id: arg, model: arg };
}
