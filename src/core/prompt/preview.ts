// What a preview shows for one case of an eval: the exact messages, their token counts for a model family, and
// the estimated cost of the case and of the whole eval. Shared by `ubp preview` and the editor's preview panel.
import type { ChatMessage, TestCase } from '../types';
import { promptDiagnostics } from './analyze';
import { hasErrors, type Diagnostic } from './diagnostics';
import type { ParsedPrompt } from './parse';
import { renderPrompt, type PromptRenderInfo } from './render';
import {
  estimateCost,
  expectedAnswerTokens,
  loadChatTokenizer,
  type TokenCount,
  type TokenPrice,
} from './tokens';

export interface PreviewOptions {
  parsed: ParsedPrompt;
  /** The eval's cases (the preview renders `index`; the eval estimate covers them all). */
  cases: readonly TestCase[];
  index: number;
  info: PromptRenderInfo;
  /** A model id or family for the tokenizer, e.g. "gpt-4o-mini". */
  model: string;
  price?: TokenPrice;
  /** Samples per case (the config's run.samples). */
  samples?: number;
  /**
   * Estimate the eval from at most this many evenly spaced cases (a live preview keeps this small); all cases
   * when absent.
   */
  estimateFrom?: number;
}

export interface EvalEstimate {
  /** Cases × samples. */
  requests: number;
  inputTokens: number;
  /** Planned answer tokens (see expectedAnswerTokens). */
  outputTokens: number;
  /** USD, or null without a price. */
  costUsd: number | null;
  /** How many cases were rendered and counted to get these figures (the rest are extrapolated). */
  measuredCases: number;
}

export interface PromptPreview {
  diagnostics: Diagnostic[];
  /** Null when the template has errors (they are in diagnostics). */
  messages: ChatMessage[] | null;
  tokens: TokenCount | null;
  /** The case's planned answer tokens and cost (USD, or null without a price). */
  caseCost: { outputTokens: number; costUsd: number | null } | null;
  eval: EvalEstimate | null;
}

export async function previewPrompt(options: PreviewOptions): Promise<PromptPreview> {
  const { parsed, cases, index, info, model, price } = options;
  const diagnostics = promptDiagnostics(parsed);
  const none = { diagnostics, messages: null, tokens: null, caseCost: null, eval: null };
  if (hasErrors(diagnostics) || cases.length === 0) return none;
  const testCase = cases[index];
  if (!testCase) throw new RangeError(`case ${index} does not exist (the eval has ${cases.length} cases)`);
  const tokenizer = await loadChatTokenizer(model);
  const messages = renderPrompt(parsed, testCase, info);
  const tokens = tokenizer.count(messages);
  const answer = (c: TestCase) => expectedAnswerTokens(c.form, c.candidates?.length ?? 0);
  const cost = (input: number, output: number) => (price ? estimateCost({ input, output }, price) : null);

  // The eval: every case (or an even sample of them) rendered and counted, extrapolated to all cases.
  const limit = Math.max(1, Math.min(cases.length, options.estimateFrom ?? cases.length));
  const step = cases.length / limit;
  let input = 0;
  let output = 0;
  for (let i = 0; i < limit; i++) {
    const c = cases[Math.floor(i * step)]!;
    input += tokenizer.count(renderPrompt(parsed, c, info)).total;
    output += answer(c);
  }
  const samples = options.samples ?? 1;
  const scale = (cases.length / limit) * samples;
  const inputTokens = Math.round(input * scale);
  const outputTokens = Math.round(output * scale);
  return {
    diagnostics,
    messages,
    tokens,
    caseCost: { outputTokens: answer(testCase), costUsd: cost(tokens.total, answer(testCase)) },
    eval: {
      requests: cases.length * samples,
      inputTokens,
      outputTokens,
      costUsd: cost(inputTokens, outputTokens),
      measuredCases: limit,
    },
  };
}
