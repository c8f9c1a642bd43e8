// `ubp run`: prepares an eval from its config, runs it (resuming the config's latest run unless --new), shows
// progress, and prints the headline metric of every variant. SIGINT cancels cleanly (the run stays resumable).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envApiKey } from '../apiKey';
import { UsageError, type CommandModule, type CliIO } from '../command';
import { earlyInterrupt } from '../earlyInterrupt';
import { EXIT } from '../exitCodes';
import { RUNS_DIR_OPTIONS, runsDirOf } from '../runsDir';
import {
  estimateCostText,
  fmtUsd,
  checkThresholds,
  checkThresholdMetrics,
  loadConfig,
  parseShard,
  parseThreshold,
  prepareEval,
  PROVIDER_IDS,
  loadRunColumns,
  reportRunColumns,
  type ModelConfig,
  type ProviderId,
  type Report,
  type RunEventOf,
  type RunProgress,
  type RunSummary,
} from '../../core';

export const runCommand: CommandModule = {
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        models: { type: 'string' },
        concurrency: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        new: { type: 'boolean', default: false },
        limit: { type: 'string' },
        ...RUNS_DIR_OPTIONS,
        json: { type: 'boolean', default: false },
        endpoint: { type: 'string' },
        model: { type: 'string' },
        'api-key-env': { type: 'string' },
        provider: { type: 'string' },
        'fail-under': { type: 'string', multiple: true },
        shard: { type: 'string' },
      },
    });
    // Checked before the run so a typo fails fast, not after an expensive run.
    const thresholds = values['fail-under'] ?? [];
    for (const spec of thresholds) {
      try {
        parseThreshold(spec);
      } catch (e) {
        throw new UsageError(`--fail-under: ${(e as Error).message}`);
      }
    }
    if (positionals.length !== 1) throw new UsageError('expected one config file');
    const configFile = path.resolve(io.cwd, positionals[0]!);
    if (thresholds.length) {
      // The metrics too: a choice run has no NDCG, and finding out after the run wastes it.
      const { config } = await loadConfig(configFile);
      try {
        checkThresholdMetrics(config.task, thresholds);
      } catch (e) {
        throw new UsageError(`--fail-under: ${(e as Error).message}`);
      }
    }
    const concurrency = positiveInt('--concurrency', values.concurrency);
    const limit = positiveInt('--limit', values.limit);
    let shard;
    try {
      shard = values.shard !== undefined ? parseShard(values.shard) : undefined;
    } catch (e) {
      throw new UsageError(`--shard: ${(e as Error).message}`);
    }
    if (values.endpoint === undefined && values.model !== undefined)
      throw new UsageError('--model needs --endpoint (the base URL of an OpenAI-compatible server)');
    if (values.endpoint !== undefined && values.model === undefined)
      throw new UsageError('--endpoint needs --model (the model name to send)');
    if (values['api-key-env'] !== undefined && values.endpoint === undefined)
      throw new UsageError('--api-key-env goes with --endpoint');
    if (values.provider !== undefined && values.endpoint === undefined)
      throw new UsageError('--provider goes with --endpoint');
    if (values.provider !== undefined && !(PROVIDER_IDS as readonly string[]).includes(values.provider))
      throw new UsageError(`--provider must be one of ${PROVIDER_IDS.join(', ')}, got "${values.provider}"`);
    const addModels: ModelConfig[] = [];
    if (values.endpoint !== undefined && values.model !== undefined) {
      try {
        new URL(values.endpoint);
      } catch {
        throw new UsageError(
          `--endpoint must be a URL such as http://localhost:11434/v1, got "${values.endpoint}"`,
        );
      }
      const m: ModelConfig = {
        id: values.model.replace(/[^A-Za-z0-9._:@/-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'model',
        baseUrl: values.endpoint,
        model: values.model,
      };
      if (values['api-key-env']) m.apiKeyEnv = values['api-key-env'];
      if (values.provider) m.provider = values.provider as ProviderId;
      addModels.push(m);
    }
    const root = runsDirOf(values, io.cwd) ?? path.resolve(io.cwd, '.ubp');
    const only = values.models
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

    const getApiKey = (m: ModelConfig): string | undefined => envApiKey(io, m);

    const t0 = performance.now();
    // The run in a scope of its own: once it ends, the dataset and the cases it held can be collected before the
    // report reads the results (a million cases hold about a gigabyte).
    const execute = async (): Promise<{ summary: RunSummary; llmRequests: number } | null> => {
      let retries = 0;
      // Ctrl-C before the run starts: the preparation stops and says so (earlyInterrupt.ts).
      const early = earlyInterrupt(io, 'interrupted while loading the data; nothing was run');
      const prepared = await early.step(
        prepareEval(configFile, {
          root,
          addModels,
          only,
          concurrency,
          cache: values['no-cache'] ? false : undefined,
          limit,
          ...(shard ? { shard } : {}),
          fresh: values.new,
          getApiKey,
          tool: 'ubp run',
          signal: early.signal,
        }),
      );
      if (!prepared) {
        early.dispose();
        return null;
      }
      const log = values.json ? (_: string) => {} : io.out;
      for (const w of prepared.warnings) io.err(`warning: ${w}\n`);
      const est = prepared.estimate;
      log(
        `run ${prepared.runId}: ${prepared.cases.length} cases${prepared.cases.length < prepared.caseCount ? ` (of ${prepared.caseCount})` : ''}, ` +
          `${prepared.variants.length} variants (${prepared.variants.map((v) => v.id).join(', ')})\n`,
      );
      if (est.llmRequests)
        log(
          `estimate: ${est.llmRequests} requests${est.alreadyDone ? ` (${fmtInt(est.alreadyDone)} units already done)` : ''}, ~${fmtInt(est.promptTokens)} prompt + ~${fmtInt(est.completionTokens)} completion tokens` +
            `${est.reasoningReserve ? ` (incl. ~${fmtInt(est.reasoningReserve)} reserved for reasoning)` : ''}` +
            `, ${estimateCostText(est)}\n`,
        );
      else if (est.alreadyDone)
        log(`estimate: nothing left to send (${fmtInt(est.alreadyDone)} units already done)\n`);

      let handle: Awaited<ReturnType<typeof prepared.start>>;
      try {
        handle = await prepared.start();
      } finally {
        early.dispose();
      }
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts === 1) {
          io.err('\ncancelling (the run stays resumable; Ctrl-C again to quit at once)…\n');
          handle.cancel();
        } else process.exit(130);
      };
      process.on('SIGINT', onSigint);
      // Ctrl-C while the run was being opened: cancel it as soon as it starts.
      if (early.signal.aborted) onSigint();
      const progress = values.json ? null : new ProgressLine(io, () => retries);
      handle.on('run-started', (e) => {
        if (e.resumed) log(`resuming: ${e.alreadyDone} of ${e.total} already done\n`);
      });
      if (progress) handle.on('progress', (e) => progress.update(e.progress));
      // Waits and retries are visible (on stderr, so --json output stays clean), throttled to a line a second.
      const retryLog = new Throttled(io, 1000, (n) => `  (${n} more retr${n === 1 ? 'y' : 'ies'})\n`);
      handle.on('retry', (e) => {
        retries++;
        retryLog.line(progress, retryLine(e));
      });
      handle.on('endpoint', (e) => {
        const text =
          e.state === 'open'
            ? `endpoint ${e.origin}: ${e.failures} connection failures or timeouts in a row (last: ${e.reason}); pausing ${Math.round((e.pauseMs ?? 0) / 1000)} s, then one probe request`
            : e.state === 'probing'
              ? `endpoint ${e.origin}: probing`
              : e.state === 'closed'
                ? `endpoint ${e.origin}: answering again, resuming`
                : `endpoint ${e.origin}: still not answering after the probe; stopping its models`;
        progress?.clear();
        io.err(`${text}\n`);
      });
      handle.on('model-stopped', (e) => {
        progress?.clear();
        io.err(`model ${e.model} stopped, nothing more is sent to it: ${e.reason}\n`);
      });
      try {
        return { summary: await handle.done, llmRequests: est.llmRequests };
      } finally {
        process.removeListener('SIGINT', onSigint);
        progress?.end();
      }
    };
    const executed = await execute();
    if (!executed) return EXIT.interrupted;
    const { summary, llmRequests } = executed;

    // As `ubp report` reads it: one streaming pass into columns, so a million results end in bounded memory.
    const report = await reportRunColumns(await loadRunColumns(summary.dir, { cwd: io.cwd }));
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            runId: summary.runId,
            dir: summary.dir,
            status: summary.status,
            // The cost of the answers as the report counts it: null when some model has no price.
            totals: { ...summary.totals, costUsd: report.totals.costUsd },
            ...(summary.error ? { error: summary.error } : {}),
            ...(summary.stoppedModels?.length ? { stoppedModels: summary.stoppedModels } : {}),
            report,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.out(`\n${formatTable(report)}\n`);
      const tot = summary.totals;
      io.out(
        `${summary.status}: ${tot.success} success, ${tot.invalid} invalid, ${tot.error} error of ${tot.units}` +
          `${tot.requests ? `; ${tot.requests} requests` : ''}${tot.cached ? `, ${tot.cached} cached` : ''}` +
          `${llmRequests ? `; cost ${fmtUsd(report.totals.costUsd)}` : ''}; ${((performance.now() - t0) / 1000).toFixed(1)} s\n` +
          `results: ${path.relative(io.cwd, summary.dir) || summary.dir}\n`,
      );
      if (tot.cached && values.new)
        io.out(
          `${tot.cached} of ${tot.units} answers came from the response cache (run with --no-cache to ask the models again)\n`,
        );
      if (summary.status === 'cancelled') io.out('cancelled: run the same command again to resume.\n');
      if (summary.status === 'batch')
        io.out(
          'waiting on open batches for the rest: `ubp batch status <run>` imports them when they end.\n',
        );
      if (summary.status === 'budget')
        io.out('stopped at the budget: raise run.budgetUsd and run again to continue.\n');
      for (const m of summary.stoppedModels ?? [])
        io.err(
          `model ${m.model} failed: ${m.reason}${m.notSent ? ` (${m.notSent} units not sent; fix the cause and run the same command to ask them)` : ''}\n`,
        );
      if (summary.error && !summary.stoppedModels?.length) io.err(`error: ${summary.error}\n`);
    }
    const code = exitCodeOf(summary);
    if (code !== EXIT.ok) return code;
    if (thresholds.length) {
      // CI gate: every LLM variant (every variant when there is none) must reach each threshold.
      const { failures, checks } = checkThresholds(report, thresholds);
      for (const c of failures) io.err(`fail-under: ${c.message}\n`);
      if (failures.length) return EXIT.gate;
      if (!values.json) io.out(`fail-under: all ${checks.length} checks passed\n`);
    }
    return EXIT.ok;
  },
};

/** How a run ended, as an exit code (exitCodes.ts); quality gates are checked after. */
export function exitCodeOf(summary: Pick<RunSummary, 'status' | 'totals' | 'stoppedModels'>): number {
  if (summary.status === 'cancelled') return EXIT.interrupted;
  if (summary.stoppedModels?.length) return EXIT.unitsFailed;
  if (summary.status === 'failed') return EXIT.error;
  if (summary.status === 'budget') return EXIT.budget;
  if (summary.totals.error > 0) return EXIT.unitsFailed;
  return EXIT.ok;
}

/** `retry 2/6 in 4 s: HTTP 503: … (model, case)`. */
function retryLine(e: RunEventOf<'retry'>): string {
  const wait = e.waitMs >= 10_000 ? `${Math.round(e.waitMs / 1000)} s` : `${(e.waitMs / 1000).toFixed(1)} s`;
  return `retry ${e.retry}/${e.maxRetries} in ${wait}: ${e.reason} (${e.model}, case ${e.caseId})\n`;
}

/** Prints at most one line per `everyMs`; says how many were held back when the next one goes out. */
class Throttled {
  private last = -Infinity;
  private held = 0;
  constructor(
    private readonly io: CliIO,
    private readonly everyMs: number,
    private readonly more: (n: number) => string,
  ) {}
  line(progress: ProgressLine | null, text: string): void {
    const t = performance.now();
    if (t - this.last < this.everyMs) {
      this.held++;
      return;
    }
    this.last = t;
    progress?.clear();
    if (this.held) this.io.err(this.more(this.held));
    this.held = 0;
    this.io.err(text);
  }
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** One updating line on a terminal; a plain line every 10% (or 10 s) otherwise. */
class ProgressLine {
  private lastPlain = 0;
  private lastShare = -1;
  private shown = false;
  constructor(
    private readonly io: CliIO,
    private readonly retries: () => number,
  ) {}

  private text(p: RunProgress): string {
    const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
    const parts = [`${p.done}/${p.total} (${pct}%)`];
    if (p.error || p.invalid) parts.push(`${p.invalid} invalid, ${p.error} error`);
    const retries = this.retries();
    if (retries) parts.push(`${retries} retr${retries === 1 ? 'y' : 'ies'}`);
    if (p.retrying) parts.push(`${p.retrying} waiting to retry`);
    if (p.paused?.length) parts.push(`paused: ${p.paused.join(', ')}`);
    if (p.inFlight && p.done < p.total) parts.push(`${p.inFlight} in flight`);
    if (p.promptTokens) parts.push(`${fmtInt(p.promptTokens + p.completionTokens)} tok`);
    if (p.costUsd) parts.push(`$${p.costUsd.toFixed(4)}`);
    if (p.etaMs !== null && p.done < p.total) parts.push(`ETA ${fmtDuration(p.etaMs)}`);
    return parts.join(' · ');
  }

  update(p: RunProgress): void {
    if (this.io.isTTY) {
      this.io.out(`\r\x1b[K${this.text(p)}`);
      this.shown = true;
      return;
    }
    const share = p.total ? Math.floor((10 * p.done) / p.total) : 10;
    if (share > this.lastShare || p.elapsedMs - this.lastPlain >= 10_000) {
      this.lastShare = share;
      this.lastPlain = p.elapsedMs;
      this.io.out(`${this.text(p)}\n`);
    }
  }

  /** Clears the terminal line before another message (the next update redraws it). */
  clear(): void {
    if (this.shown) this.io.out('\r\x1b[K');
    this.shown = false;
  }

  end(): void {
    this.clear();
  }
}

function fmtEstimate(value: number, lo: number, hi: number, digits: number): string {
  if (!Number.isFinite(value)) return '—';
  const ci =
    Number.isFinite(lo) && Number.isFinite(hi) ? ` [${lo.toFixed(digits)}, ${hi.toFixed(digits)}]` : '';
  return `${value.toFixed(digits)}${ci}`;
}

/** The headline metric (with its 95% interval) and the invalid and error shares of every variant. */
export function formatTable(report: Report): string {
  const headline = report.headline;
  // One companion metric per form: HR@k beside NDCG@k, MAE beside RMSE, F1 beside accuracy.
  const companion = { ranking: `hr@${report.run.k}`, rating: 'mae', binary: 'f1', choice: '' }[
    report.run.form
  ];
  const second = report.metrics.find((m) => m.key === companion);
  const digits = 3;
  const rows = report.variants.map((v) => {
    const h = v.metrics.find((m) => m.key === headline.key);
    const s = second ? v.metrics.find((m) => m.key === second.key) : undefined;
    return [
      v.variant,
      String(v.counts.cases),
      h ? fmtEstimate(h.all.value, h.all.lo, h.all.hi, digits) : '—',
      ...(second ? [s ? fmtEstimate(s.all.value, NaN, NaN, digits) : '—'] : []),
      `${(100 * v.invalidShare.value || 0).toFixed(1)}%`,
      `${(100 * v.errorShare.value || 0).toFixed(1)}%`,
    ];
  });
  const header = [
    'variant',
    'cases',
    `${headline.label} [95% CI]`,
    ...(second ? [second.label] : []),
    'invalid',
    'error',
  ];
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  for (const note of report.notes) out.push(`note: ${note}`);
  return out.join('\n');
}
