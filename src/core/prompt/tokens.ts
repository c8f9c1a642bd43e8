// Token counts of rendered messages with a real tokenizer (js-tiktoken), and the cost estimate built on them.
// The BPE tables are megabytes of data: they are imported on first use only, so neither the CLI's start-up nor
// the extension's activation pays for them.
import type { Tiktoken } from 'js-tiktoken/lite';
import { getForm } from '../forms';
import type { ChatMessage, TaskForm } from '../types';

export type TokenizerEncoding = 'o200k_base' | 'cl100k_base';

export interface TokenizerChoice {
  encoding: TokenizerEncoding;
  /** True when this is the tokenizer the model really uses; false for an approximation. */
  exact: boolean;
  /** One line for the output, e.g. "o200k_base (gpt-4o family)". */
  note: string;
}

export interface TokenCount {
  /** Tokens per message, framing included (see countChatTokens). */
  perMessage: number[];
  /** All messages plus the reply priming: what the endpoint bills as prompt tokens. */
  total: number;
  encoding: TokenizerEncoding;
  exact: boolean;
  note: string;
}

/** A message as counted: a ChatMessage, optionally with a participant name (OpenAI's `name` field). */
export type CountedMessage = ChatMessage | (ChatMessage & { name: string });

// OpenAI's chat framing (per the OpenAI cookbook "How to count tokens"): every message costs 3 tokens besides
// its role and content, a name 1 more, and every reply is primed with 3.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

const O200K = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|gpt-oss)(?:\b|-|$)/;
const CL100K = /^(?:gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)(?:\b|-|$)/;

/**
 * The tokenizer for a model id or family name ("gpt-4o-mini", "openai/gpt-4.1", "llama3.1:8b"). OpenAI families
 * get their own encoding; every other family is approximated with cl100k_base, and says so.
 */
export function tokenizerFor(model: string): TokenizerChoice {
  const id = model
    .trim()
    .toLowerCase()
    .replace(/^(?:openai|azure)[/:]/, '');
  if (O200K.test(id)) return { encoding: 'o200k_base', exact: true, note: `o200k_base (exact for ${model})` };
  if (CL100K.test(id))
    return { encoding: 'cl100k_base', exact: true, note: `cl100k_base (exact for ${model})` };
  return {
    encoding: 'cl100k_base',
    exact: false,
    note: `cl100k_base (an approximation: ${model || 'this model'} uses its own tokenizer)`,
  };
}

const encoders = new Map<TokenizerEncoding, Promise<Tiktoken>>();

/** Loads (once) the encoder of an encoding. */
export function loadEncoding(encoding: TokenizerEncoding): Promise<Tiktoken> {
  let p = encoders.get(encoding);
  if (!p) {
    p = (async () => {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks =
        encoding === 'o200k_base'
          ? (await import('js-tiktoken/ranks/o200k_base')).default
          : (await import('js-tiktoken/ranks/cl100k_base')).default;
      return new Tiktoken(ranks);
    })();
    encoders.set(encoding, p);
    p.catch(() => encoders.delete(encoding));
  }
  return p;
}

/** A loaded tokenizer: synchronous counting for loops and live previews. */
export interface ChatTokenizer {
  choice: TokenizerChoice;
  /** Tokens of a plain text (special-token strings counted as ordinary text). */
  countText(text: string): number;
  count(messages: readonly CountedMessage[]): TokenCount;
}

/** Loads the tokenizer for a model id or family (see tokenizerFor). */
export async function loadChatTokenizer(model: string): Promise<ChatTokenizer> {
  const choice = tokenizerFor(model);
  const encoder = await loadEncoding(choice.encoding);
  const countText = (text: string) => encoder.encode(text, [], []).length;
  return {
    choice,
    countText,
    count(messages) {
      const perMessage = messages.map(
        (m) =>
          TOKENS_PER_MESSAGE +
          countText(m.role) +
          countText(m.content) +
          ('name' in m && m.name ? TOKENS_PER_NAME + countText(m.name) : 0),
      );
      const total = perMessage.reduce((a, b) => a + b, 0) + REPLY_PRIMING;
      return { perMessage, total, encoding: choice.encoding, exact: choice.exact, note: choice.note };
    },
  };
}

/**
 * Counts the prompt tokens of chat messages for a model id or family: per message (3 framing tokens + role +
 * content) and in total (plus 3 for the reply priming), as OpenAI bills them.
 */
export async function countTokens(messages: readonly CountedMessage[], model: string): Promise<TokenCount> {
  return (await loadChatTokenizer(model)).count(messages);
}

/** Prices in USD per million tokens, as in the config's `models[].price`. */
export interface TokenPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** The cost in USD of `input` prompt tokens and `output` completion tokens. */
export function estimateCost(tokens: { input: number; output: number }, price: TokenPrice): number {
  return (tokens.input * price.inputPerMTok + tokens.output * price.outputPerMTok) / 1_000_000;
}

/**
 * A planning guess of the completion tokens of one answer in the JSON the built-in templates ask for (a model
 * that reasons first writes more: set max_tokens for a ceiling).
 */
export function expectedAnswerTokens(form: TaskForm, candidates = 0): number {
  return getForm(form).answerTokens(candidates);
}
