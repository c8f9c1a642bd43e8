// The prompt engine on the paths a user waits on: one live-preview update after an edit (parse + analyse +
// render + count tokens), completion and hover, the whole-eval cost estimate, the tokenizers' first load, and
// what the lazy tokenizer import saves at CLI start-up. Reference in the same run: a bare LiquidJS
// parse-and-render of the same template body (the least any preview must do).
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import * as esbuild from 'esbuild';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import type { BenchContext } from './types';
import { buildCases, loadConfig, loadDataset, resolveConfigPath } from '../src/core';
import {
  analyzePrompt,
  promptDiagnostics,
  buildPromptVariables,
  builtinTemplates,
  completionsAt,
  hoverAt,
  loadChatTokenizer,
  loadEncoding,
  parsePromptFile,
  previewPrompt,
  renderPrompt,
  type PromptRenderInfo,
} from '../src/core/prompt';

const root = path.resolve(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeEach(n: number, f: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f(i);
    out.push(performance.now() - t0);
  }
  return out;
}

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

export default async function (ctx: BenchContext) {
  // Cold tokenizer loads first, while this process has not touched them.
  let t0 = performance.now();
  await loadEncoding('o200k_base');
  const o200kLoadMs = performance.now() - t0;
  t0 = performance.now();
  await loadEncoding('cl100k_base');
  const cl100kLoadMs = performance.now() - t0;
  ctx.log(`first load: o200k_base ${o200kLoadMs.toFixed(0)} ms, cl100k_base ${cl100kLoadMs.toFixed(0)} ms`);

  // Real cases: the default config (200 choice cases from the bundled ml-latest-small).
  const { config, dir } = await loadConfig(path.join(root, 'configs/default.ubp.json'));
  const loaded = await loadDataset(resolveConfigPath(config, dir, config.dataset.path), {
    format: config.dataset.format,
  });
  const cases = buildCases(loaded.data, config.task).cases;
  const info: PromptRenderInfo = {
    dataset: { name: loaded.data.name, kind: loaded.data.kind, scale: loaded.data.scale },
    task: { likeThreshold: config.task.likeThreshold, topShare: config.task.topShare, k: config.task.k },
  };
  const text = builtinTemplates.choice;
  const tokenizer = await loadChatTokenizer('gpt-4o-mini');
  const N = 300;

  // One preview update after an edit: a fresh text each time (the edit), nothing cached.
  const update = timeEach(N, (i) => {
    const edited = text.replace('Which one is it?', `Which one is it (${i})?`);
    const parsed = parsePromptFile(edited, 'choice.prompt');
    promptDiagnostics(parsed);
    tokenizer.count(renderPrompt(parsed, cases[i % cases.length]!, info));
  });
  // Reference: LiquidJS alone parsing and rendering the user body of the same template.
  const userBody = parsePromptFile(text).sections.find((s) => s.role === 'user')!.body;
  const bare = new Liquid();
  const reference = timeEach(N, (i) => {
    bare.parseAndRenderSync(`${userBody} ${i}`, buildPromptVariables(cases[i % cases.length]!, info));
  });
  const phases = {
    parseMs: median(timeEach(N, (i) => parsePromptFile(`${text}\n${i}`))),
    analyseMs: median(timeEach(N, (i) => analyzePrompt(parsePromptFile(`${text}\n${i}`)))) as number,
    renderMs: 0,
    countMs: 0,
  };
  const parsed = parsePromptFile(text);
  phases.renderMs = median(timeEach(N, (i) => renderPrompt(parsed, cases[i % cases.length]!, info)));
  const messages = renderPrompt(parsed, cases[0]!, info);
  phases.countMs = median(timeEach(N, () => tokenizer.count(messages)));
  phases.analyseMs = round(phases.analyseMs - phases.parseMs);
  ctx.log(
    `preview update: median ${median(update).toFixed(2)} ms (p95 ${[...update].sort((a, b) => a - b)[Math.floor(N * 0.95)]!.toFixed(2)} ms); bare LiquidJS ${median(reference).toFixed(2)} ms`,
  );

  // Editor helpers at a typical spot (inside a loop, after a dot).
  const at = text.indexOf('{{ c.title }}') + '{{ c.'.length;
  const completion = timeEach(N, () => completionsAt(text, at));
  const hover = timeEach(N, () => hoverAt(text, at + 1, { testCase: cases[0]!, info }));

  // The whole-eval estimate: all 200 cases rendered and counted, vs an even sample of 20.
  const estimate = async (estimateFrom?: number) => {
    const xs: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      last = await previewPrompt({ parsed, cases, index: 0, info, model: 'gpt-4o-mini', estimateFrom });
      xs.push(performance.now() - s);
    }
    return { ms: median(xs), inputTokens: last!.eval!.inputTokens };
  };
  const all = await estimate();
  const sampled = await estimate(20);

  // CLI start-up: the bundle with the lazy tokenizer import, vs bare node; and the cost of loading the ranks.
  // Built here, the same way scripts/build.mjs builds dist/cli.js, so a concurrent build cannot disturb it.
  // A second bundle leaves the rank tables out (as if shipped as separate files): what their text costs to parse.
  const cli = path.join(ctx.tmpDir, 'cli.js');
  const cliNoRanks = path.join(ctx.tmpDir, 'cli-no-ranks.js');
  const bundle = (outfile: string, external: string[]) =>
    esbuild.build({
      entryPoints: [path.join(root, 'src/cli/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      external,
    });
  await bundle(cli, []);
  await bundle(cliNoRanks, ['js-tiktoken/ranks/*']);
  let startup: Record<string, number>;
  {
    const run = (args: string[]) => {
      const xs: number[] = [];
      for (let i = 0; i < 7; i++) {
        const s = performance.now();
        const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        xs.push(performance.now() - s);
      }
      return median(xs);
    };
    const bareNode = run(['-e', '0']);
    const version = run([cli, 'version']);
    const versionNoRanks = run([cliNoRanks, 'version']);
    const withRanks = run([
      '-e',
      `require(${JSON.stringify(cli)}); const { Tiktoken } = require('js-tiktoken/lite'); new Tiktoken(require('js-tiktoken/ranks/o200k_base'))`,
    ]);
    startup = {
      bareNodeMs: round(bareNode, 1),
      cliVersionMs: round(version, 1),
      cliVersionRanksOutsideBundleMs: round(versionNoRanks, 1),
      cliPlusO200kRanksMs: round(withRanks, 1),
      bundleMiB: round(statSync(cli).size / 2 ** 20, 2),
      bundleWithoutRanksMiB: round(statSync(cliNoRanks).size / 2 ** 20, 2),
    };
    rmSync(ctx.tmpDir, { recursive: true, force: true });
    ctx.log(
      `start-up: node ${bareNode.toFixed(0)} ms, ubp version ${version.toFixed(0)} ms, + o200k ranks ${withRanks.toFixed(0)} ms`,
    );
  }

  return {
    cases: cases.length,
    promptTokensCase0: tokenizer.count(messages).total,
    previewUpdateMs: {
      median: round(median(update)),
      p95: round([...update].sort((a, b) => a - b)[Math.floor(N * 0.95)]!),
    },
    bareLiquidRenderMs: round(median(reference)),
    previewVsBareLiquid: round(median(update) / median(reference), 2),
    phasesMs: {
      parse: round(phases.parseMs),
      analyse: phases.analyseMs,
      render: round(phases.renderMs),
      count: round(phases.countMs),
    },
    completionMs: round(median(completion)),
    hoverMs: round(median(hover)),
    evalEstimate: {
      allCasesMs: round(all.ms, 1),
      sample20Ms: round(sampled.ms, 1),
      inputTokensAll: all.inputTokens,
      inputTokensSample20: sampled.inputTokens,
    },
    tokenizerFirstLoadMs: { o200k_base: round(o200kLoadMs, 0), cl100k_base: round(cl100kLoadMs, 0) },
    startup,
  };
}
