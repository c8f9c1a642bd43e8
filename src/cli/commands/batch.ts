// `ubp batch`: a run's requests through a provider's batch API at half price, or through a self-hosted engine.
//   submit <config>   write the pending requests, upload, create the batches, record them in the run folder
//   status <run>      poll the open batches (--wait: until they end); finished ones are imported into the run
//   cancel <run>      cancel the open batches (their answers so far are imported by status)
//   export <config> --out requests.jsonl   the requests in OpenAI's batch format, for `vllm run-batch`
//   import <run> results.jsonl             OpenAI's or vLLM's output (any line order) into the run
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envApiKey } from '../apiKey';
import { UsageError, type CliIO, type CommandModule } from '../command';
import { EXIT } from '../exitCodes';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  loadBatch,
  parseShard,
  prepareEval,
  PROVIDER_IDS,
  readRunManifest,
  RUN_MANIFEST_FILE,
  runsDir,
  type BatchRecord,
  type ModelConfig,
  type ProviderId,
} from '../../core';

export const batchCommand: CommandModule = {
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        models: { type: 'string' },
        'max-requests': { type: 'string' },
        endpoint: { type: 'string' },
        model: { type: 'string' },
        'api-key-env': { type: 'string' },
        provider: { type: 'string' },
        shard: { type: 'string' },
        new: { type: 'boolean', default: false },
        ...RUNS_DIR_OPTIONS,
        out: { type: 'string' },
        wait: { type: 'boolean', default: false },
        interval: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const root = runsDirOf(values, io.cwd) ?? path.resolve(io.cwd, '.ubp');
    const getApiKey = (m: ModelConfig): string | undefined => envApiKey(io, m);
    const {
      cancelBatches,
      exportBatchFile,
      importBatchResults,
      isOpen,
      readBatchState,
      refreshBatches,
      submitBatches,
    } = await loadBatch();
    switch (sub) {
      case 'submit':
      case 'export': {
        if (positionals.length !== 1) throw new UsageError('expected one config file');
        if (sub === 'export' && !values.out) throw new UsageError('export needs --out <file.jsonl>');
        const maxRequests = positiveInt('--max-requests', values['max-requests']);
        const prepared = await prepareEval(path.resolve(io.cwd, positionals[0]!), {
          root,
          addModels: addedModel(values),
          only: values.models
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          fresh: values.new,
          ...(values.shard !== undefined ? { shard: shardOf(values.shard) } : {}),
          // Export sends nothing: a missing key must not stop it.
          getApiKey: sub === 'export' ? () => undefined : getApiKey,
          tool: `ubp batch ${sub}`,
        });
        for (const w of prepared.warnings) io.err(`warning: ${w}\n`);
        if (!prepared.variants.some((v) => v.kind === 'llm'))
          throw new Error('the run has no model to batch (only baselines)');
        if (sub === 'export') {
          const out = path.resolve(io.cwd, values.out!);
          const r = await exportBatchFile(prepared, out);
          io.out(
            `run ${r.runId}: ${r.requests} requests written to ${path.relative(io.cwd, out) || out}` +
              `${r.renderErrors ? ` (${r.renderErrors} failed to render: \`ubp run\` records them)` : ''}\n` +
              `run folder: ${path.relative(io.cwd, r.dir) || r.dir}\n` +
              `then: ubp batch import ${path.relative(io.cwd, r.dir) || r.dir} <results.jsonl>  (see docs/batch.md for vllm run-batch)\n`,
          );
          return 0;
        }
        const r = await submitBatches(prepared, {
          getApiKey,
          ...(maxRequests ? { limits: { maxRequests } } : {}),
          log: (line) => io.out(`${line}\n`),
        });
        const failed = r.batches.filter((b) => b.error);
        // Parts that were not created hold no request the provider will answer: said, not counted as sent.
        const created = r.batches.length - failed.length;
        const sent = r.batches.filter((b) => !b.error).reduce((n, b) => n + b.requests, 0);
        io.out(
          `run ${r.runId}: ${sent} requests in ${created} batch${created === 1 ? '' : 'es'}` +
            `${failed.length ? ` (${r.requests - sent} requests in ${failed.length} not created: run \`ubp batch submit\` again, or \`ubp run\`, to send them)` : ''}` +
            `${r.inOpenBatches ? `; ${r.inOpenBatches} already in open batches` : ''}` +
            `${r.renderErrors ? `; ${r.renderErrors} failed to render (\`ubp run\` records them)` : ''}\n` +
            `status: ubp batch status ${path.relative(io.cwd, r.dir) || r.dir}\n`,
        );
        if (r.requests === 0) io.out('nothing to submit: every request is answered or in an open batch\n');
        return failed.length ? 1 : 0;
      }
      case 'status': {
        const dir = runDirOf(positionals, root);
        const every = (positiveInt('--interval', values.interval) ?? 10) * 1000;
        for (;;) {
          const r = await refreshBatches(dir, {
            getApiKey,
            log: values.json ? undefined : (l) => io.out(`${l}\n`),
          });
          const state = readBatchState(dir).batches;
          const open = state.filter(isOpen);
          if (!values.wait || open.length === 0) {
            if (values.json)
              io.out(JSON.stringify({ run: dir, status: r.status, batches: state }, null, 2) + '\n');
            else io.out(formatStatus(dir, state));
            // Ended batches with failed lines leave units in error: exit as `ubp run` does and say what re-asks them.
            return open.length
              ? EXIT.ok
              : unitsInError(io, dir, readRunManifest(dir).totals.error, values.json);
          }
          if (!values.json) io.out(formatProgress(open));
          await new Promise((resolve) => setTimeout(resolve, every));
        }
      }
      case 'cancel': {
        const dir = runDirOf(positionals, root);
        const cancelled = await cancelBatches(dir, { getApiKey });
        for (const b of cancelled) io.out(`batch ${b.name} (${b.batchId}): ${b.status}\n`);
        io.out(
          cancelled.length
            ? 'answers made before the cancel are imported by `ubp batch status`\n'
            : 'no open batch to cancel\n',
        );
        return 0;
      }
      case 'import': {
        if (positionals.length < 2) throw new UsageError('expected a run and at least one results file');
        const dir = runDirOf(positionals.slice(0, 1), root);
        const files = positionals.slice(1).map((f) => path.resolve(io.cwd, f));
        const open = readBatchState(dir).batches.some(isOpen);
        const { stats, summary } = await importBatchResults(dir, {
          files,
          pendingStatus: open ? 'batch' : 'cancelled',
        });
        const t = summary.totals;
        const pending = t.units - t.success - t.invalid - t.error;
        io.out(
          `imported ${stats.answered} answers from ${stats.lines} lines` +
            `${stats.notRun ? `; ${stats.notRun} never ran` : ''}${stats.unknown ? `; ${stats.unknown} unknown custom_id` : ''}` +
            `${stats.duplicates ? `; ${stats.duplicates} duplicates (last kept)` : ''}${stats.corrupt ? `; ${stats.corrupt} unreadable lines` : ''}\n` +
            `run ${summary.runId}: ${summary.status}; ${t.success} success, ${t.invalid} invalid, ${t.error} error of ${t.units}\n`,
        );
        if (stats.corrupt)
          io.err(
            `unreadable (not a JSON object): ${stats.corruptAt.map((at) => path.relative(io.cwd, at) || at).join(', ')}${stats.corrupt > stats.corruptAt.length ? ` and ${stats.corrupt - stats.corruptAt.length} more` : ''}\n`,
          );
        if (pending > 0)
          io.err(
            `${pending} unit${pending === 1 ? ' has' : 's have'} no answer yet (no line in these files): ` +
              (open
                ? '`ubp batch status` imports them when their batch ends\n'
                : `import a file that has ${pending === 1 ? 'it' : 'them'}, or \`ubp run\` on the config sends ${pending === 1 ? 'it' : 'them'} interactively\n`),
          );
        if (stats.unknown && !stats.answered) return EXIT.error;
        return unitsInError(io, dir, summary.totals.error);
      }
      default:
        throw new UsageError(
          sub ? `unknown batch command "${sub}"` : 'expected submit, status, cancel, export or import',
        );
    }
  },
};

/** Exit 4 when units ended in error (the exit-code table's rule), naming the command that asks them again. */
function unitsInError(io: CliIO, dir: string, errors: number, quiet = false): number {
  if (!errors) return EXIT.ok;
  if (!quiet)
    io.err(
      `${errors} unit${errors === 1 ? '' : 's'} ended in error: \`ubp rerun ${path.relative(io.cwd, dir) || dir}\` asks ${errors === 1 ? 'it' : 'them'} again interactively\n`,
    );
  return EXIT.unitsFailed;
}

function formatStatus(dir: string, batches: BatchRecord[]): string {
  const m = readRunManifest(dir);
  const lines = [
    `run ${m.id}: ${m.status}; ${m.totals.success + m.totals.invalid + m.totals.error} of ${m.totals.units} units have a result`,
  ];
  for (const b of batches) {
    const c = b.counts;
    const progress = c ? ` ${c.completed}/${c.total}${c.failed ? ` (${c.failed} failed)` : ''}` : '';
    const where = b.format === 'offline' ? ` -> ${b.file}` : b.batchId ? ` ${b.batchId}` : '';
    const done = b.importedAt
      ? `, imported ${b.imported?.lines ?? 0}${b.imported?.notRun ? ` (${b.imported.notRun} never ran)` : ''}`
      : '';
    lines.push(
      `  ${b.name}  ${b.model}  ${b.requests} requests  ${b.status}${progress}${where}${done}${b.error ? `  error: ${b.error}` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

function formatProgress(open: BatchRecord[]): string {
  const total = open.reduce((n, b) => n + (b.counts?.total || b.requests), 0);
  const done = open.reduce((n, b) => n + (b.counts?.completed ?? 0), 0);
  return `${open.length} open batch${open.length === 1 ? '' : 'es'}: ${done}/${total} (${total ? Math.floor((100 * done) / total) : 0}%) · ${open.map((b) => b.status).join(', ')}\n`;
}

function runDirOf(positionals: string[], root: string): string {
  if (positionals.length !== 1) throw new UsageError('expected one run (a run folder or a run id)');
  const p = positionals[0]!;
  if (existsSync(path.join(p, RUN_MANIFEST_FILE))) return path.resolve(p);
  const d = path.join(runsDir(root), p);
  if (existsSync(path.join(d, RUN_MANIFEST_FILE))) return d;
  throw new Error(`no run "${p}" (neither a run folder nor a run id in ${runsDir(root)})`);
}

function addedModel(values: {
  endpoint?: string;
  model?: string;
  'api-key-env'?: string;
  provider?: string;
}): ModelConfig[] {
  if (values.endpoint === undefined && values.model === undefined) return [];
  if (values.endpoint === undefined || values.model === undefined)
    throw new UsageError('--endpoint and --model go together');
  try {
    new URL(values.endpoint);
  } catch {
    throw new UsageError(`--endpoint must be a URL, got "${values.endpoint}"`);
  }
  // The same entry `ubp run --endpoint` adds, so both commands address the same run.
  const m: ModelConfig = {
    id: values.model.replace(/[^A-Za-z0-9._:@/-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'model',
    baseUrl: values.endpoint,
    model: values.model,
  };
  if (values['api-key-env']) m.apiKeyEnv = values['api-key-env'];
  if (values.provider !== undefined) {
    if (!(PROVIDER_IDS as readonly string[]).includes(values.provider))
      throw new UsageError(`--provider must be one of ${PROVIDER_IDS.join(', ')}, got "${values.provider}"`);
    m.provider = values.provider as ProviderId;
  }
  return [m];
}

function shardOf(text: string): ReturnType<typeof parseShard> {
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError(`--shard: ${(e as Error).message}`);
  }
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}
