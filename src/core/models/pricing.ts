// Prices of hosted models, what a usage costs, and what a run will cost before it starts. The table holds list
// prices in USD per million tokens as the providers published them (checked 2025-08; prices change: a model
// entry's `price` in the config overrides the table, and unknown models have no price rather than a guess).
import type { ChatMessage, TokenUsage } from '../types';

export interface Price {
  /** USD per million input (prompt) tokens. */
  inputPerMTok: number;
  /** USD per million output (completion) tokens; reasoning tokens are output tokens. */
  outputPerMTok: number;
}

/** The date the default table was checked. */
export const PRICE_TABLE_DATE = '2025-08-15';

/** Default prices, by model name as the provider spells it (OpenRouter's "vendor/" prefix is stripped). */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  o1: { inputPerMTok: 15, outputPerMTok: 60 },
  'o1-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'gpt-4-turbo': { inputPerMTok: 10, outputPerMTok: 30 },
  'gpt-3.5-turbo': { inputPerMTok: 0.5, outputPerMTok: 1.5 },
  // Anthropic, by the Messages API's names (dated snapshots such as claude-sonnet-4-5-20250929 match by prefix)
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
  // Others, as reached through OpenRouter or their own OpenAI-compatible endpoints
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3.5-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3.5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'deepseek-chat': { inputPerMTok: 0.27, outputPerMTok: 1.1 },
  'deepseek-reasoner': { inputPerMTok: 0.55, outputPerMTok: 2.19 },
  'mistral-large': { inputPerMTok: 2, outputPerMTok: 6 },
  'mistral-small': { inputPerMTok: 0.1, outputPerMTok: 0.3 },
};

/** Zero: what a model on one's own machine costs (Ollama, vLLM, LM Studio, llama.cpp). */
export const FREE: Price = Object.freeze({ inputPerMTok: 0, outputPerMTok: 0 });

/**
 * The price of `model`: the override table first, then the defaults. Matches the exact name, then the name
 * without an OpenRouter "vendor/" prefix, then the longest known name the model extends by a "-suffix" (a dated
 * snapshot like "gpt-4o-2024-08-06" or "claude-sonnet-4-20250514"). Undefined when nothing matches.
 */
export function lookupPrice(
  model: string,
  overrides: Readonly<Record<string, Price>> = {},
): Price | undefined {
  const tables = [overrides, DEFAULT_PRICES];
  const names = [model, model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : undefined].filter(
    (n): n is string => !!n,
  );
  for (const table of tables) {
    for (const name of names) {
      const exact = table[name] ?? table[name.toLowerCase()];
      if (exact) return exact;
    }
    for (const name of names) {
      const lower = name.toLowerCase();
      let best: string | undefined;
      for (const known of Object.keys(table)) {
        if (lower.startsWith(known.toLowerCase() + '-') && (!best || known.length > best.length))
          best = known;
      }
      if (best) return table[best];
    }
  }
  return undefined;
}

/** USD for one usage. Reasoning tokens are already inside `completion` (OpenAI's accounting) and priced as output. */
export function costOf(usage: TokenUsage | undefined, price: Price | undefined): number | undefined {
  if (!usage || !price) return undefined;
  return (usage.prompt * price.inputPerMTok + usage.completion * price.outputPerMTok) / 1e6;
}

/** A quick token count: about four characters per token plus a few per message (English prose, GPT tokenizers). */
export function approxTokens(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) chars += m.content.length;
  return Math.ceil(chars / 4) + 4 * messages.length + 3;
}

export interface RunCostEstimate {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** Undefined when the price is unknown. */
  usd: number | undefined;
}

/**
 * What a run will cost before it starts: every prompt sent `samples` times, each answer about
 * `outputTokensPerAnswer` tokens (plus `reasoningTokensPerAnswer` for reasoning models). Cached answers cost
 * nothing: pass them in `cachedRequests`.
 */
export function estimateRunCost(args: {
  /** Each case's messages, or the total prompt tokens of one pass over the cases with their count. */
  prompts: readonly (readonly ChatMessage[])[] | { requests: number; promptTokens: number };
  samples?: number;
  outputTokensPerAnswer?: number;
  reasoningTokensPerAnswer?: number;
  price: Price | undefined;
  countTokens?: (messages: readonly ChatMessage[]) => number;
  cachedRequests?: number;
}): RunCostEstimate {
  const samples = args.samples ?? 1;
  const count = args.countTokens ?? approxTokens;
  let requests: number;
  let promptTokens: number;
  if (Array.isArray(args.prompts)) {
    const prompts = args.prompts as readonly (readonly ChatMessage[])[];
    requests = prompts.length;
    promptTokens = 0;
    for (const p of prompts) promptTokens += count(p);
  } else {
    const p = args.prompts as { requests: number; promptTokens: number };
    requests = p.requests;
    promptTokens = p.promptTokens;
  }
  const total = requests * samples;
  const billable = Math.max(0, total - (args.cachedRequests ?? 0));
  const share = total ? billable / total : 0;
  const inputTokens = Math.round(promptTokens * samples * share);
  const outputTokens = Math.round(
    billable * ((args.outputTokensPerAnswer ?? 20) + (args.reasoningTokensPerAnswer ?? 0)),
  );
  const usd = costOf({ prompt: inputTokens, completion: outputTokens }, args.price);
  return { requests: billable, inputTokens, outputTokens, usd };
}
