// A run's results as columns: what a report reads of each results line, in typed arrays per variant, with no
// object per result. One pass over results.jsonl (or over an array of results) fills them; a million lines take
// a few hundred bytes each (ids interned, scores as numbers) instead of a parsed object and a scored observation.
//
// Lines are deduplicated as the run store reads them: a unit (case, variant, sample) keeps the slot of its
// first line and the values of its last one. Units whose last line is of another task form than the run's are
// left out (as buildReport always did). Everything a report derives from a line's answer (the form's per-case
// score components, the true and chosen labels, the answer key for agreement, flags) is computed as the line is
// read, with the run's scoring context.
import { getForm, labelIndex } from '../forms';
import type { CaseResult, Outcome, Prediction } from '../types';
import { caseRows, parseWithoutMessages, type LineParser } from '../run/results';
import { binaryScore, formScoring, type FormScoring } from './metrics';
import { scoreCase } from './caseScore';
import { isUnpriced, type ScoringContext } from './aggregate';

export const OUTCOMES: readonly Outcome[] = ['success', 'invalid', 'error'];
const OUTCOME_CODE: Record<string, number> = { success: 0, invalid: 1, error: 2 };

/** Interns strings as dense indices. */
export class StringTable {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }
  get size(): number {
    return this.values.length;
  }
}

type Float = Float64Array;
type Int = Int32Array;

/** One variant's rows (the deduplicated units of the run's form, in order of each unit's first line). */
export interface VariantColumns {
  variant: string;
  model: string;
  template: string | null;
  length: number;
  /** Global first-seen position of each row among all variants' rows. */
  seq: Float;
  caseIndex: Int;
  userIndex: Int;
  sample: Int;
  /** 0 success, 1 invalid, 2 error (OUTCOMES). */
  outcome: Uint8Array;
  /** 1 / (samples of the row's case in this variant). */
  weight: Float;
  /** Per component j of the form's scoring (index 0, the count, is always 1): the per-case value. */
  components: Float[];
  historyLength: Float;
  targetPopularity: Float;
  finishedMs: Float;
  /** Forms with probabilities: the stated probability (NaN when none), the truth and binaryScore. */
  prob?: Float;
  truth?: Float;
  binary?: Float;
  /** Forms with candidates: label indices (-1 when none), HR@1 (`correct ?? hr1 ?? 0`) and the headline value. */
  trueLabel?: Int;
  chosenLabel?: Int;
  hit?: Float;
  head?: Float;
  /** Valid answers: the form's answer key (interned), and the numeric answer (NaN when none). */
  answerKey: Int;
  numeric: Float;
  /** Non-answers: reason text (first 200 characters) and code, interned; -1 for answers. */
  reason: Int;
  reasonCode: Int;
  /** Valid answers: the form's flags as an interned list, -1 when none. */
  flags: Int;
  promptTokens: Float;
  completionTokens: Float;
  reasoningTokens: Float;
  costUsd: Float;
  attempts: Float;
  latencyMs: Float;
  /** Bit 0: served from the cache; bit 1: unpriced (a model answered without a price). */
  usageFlags: Uint8Array;
}

/** The columns of a whole run. */
export interface RunColumns {
  ctx: ScoringContext;
  scoring: FormScoring;
  /** In order of each variant's first kept row. */
  variants: VariantColumns[];
  caseIds: StringTable;
  userIds: StringTable;
  /** Rank of each user id in sorted (code unit) order: clusters are numbered by it. */
  userRank: Int32Array;
  reasons: StringTable;
  reasonCodes: StringTable;
  /** Flag lists joined by \u0000. */
  flagLists: StringTable;
  answerKeys: StringTable;
  /** Rows kept over all variants. */
  rows: number;
}

const FLOAT_COLUMNS = [
  'seq',
  'historyLength',
  'targetPopularity',
  'finishedMs',
  'numeric',
  'promptTokens',
  'completionTokens',
  'reasoningTokens',
  'costUsd',
  'attempts',
  'latencyMs',
] as const;
const INT_COLUMNS = [
  'caseIndex',
  'userIndex',
  'sample',
  'model',
  'template',
  'answerKey',
  'reason',
  'reasonCode',
  'flags',
] as const;

/** A variant's columns while they are filled: grown by doubling, trimmed (as views) at the end. */
class VariantBuilder {
  length = 0;
  capacity = 0;
  floats: Record<(typeof FLOAT_COLUMNS)[number], Float>;
  ints: Record<(typeof INT_COLUMNS)[number], Int>;
  outcome = new Uint8Array(0);
  kept = new Uint8Array(0);
  usageFlags = new Uint8Array(0);
  components: Float[];
  extraFloats: Record<string, Float> = {};
  extraInts: Record<string, Int> = {};
  /** Slot of each unit: per sample, by case index (-1: none yet). */
  slots = new Map<number, Int32Array>();
  /** Whether the last slot() call appended a row. */
  added = false;
  constructor(
    readonly variant: string,
    width: number,
    readonly extra: { floats: string[]; ints: string[] },
  ) {
    this.floats = Object.fromEntries(
      FLOAT_COLUMNS.map((k) => [k, new Float64Array(0)]),
    ) as VariantBuilder['floats'];
    this.ints = Object.fromEntries(INT_COLUMNS.map((k) => [k, new Int32Array(0)])) as VariantBuilder['ints'];
    this.components = Array.from({ length: width }, () => new Float64Array(0));
    for (const k of extra.floats) this.extraFloats[k] = new Float64Array(0);
    for (const k of extra.ints) this.extraInts[k] = new Int32Array(0);
  }
  /** The slot of a unit, appending a new row when the unit is new. */
  slot(caseIndex: number, sample: number): number {
    const bySample = caseRows(this.slots, sample, caseIndex);
    const had = bySample[caseIndex]!;
    this.added = had < 0;
    if (had >= 0) return had;
    if (this.length === this.capacity) this.grow();
    bySample[caseIndex] = this.length;
    return this.length++;
  }
  private grow(): void {
    const cap = Math.max(1024, this.capacity * 2);
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    const f = (n: number) => new Float64Array(n);
    const i = (n: number) => new Int32Array(n);
    for (const k of FLOAT_COLUMNS) this.floats[k] = g(this.floats[k], f);
    for (const k of INT_COLUMNS) this.ints[k] = g(this.ints[k], i);
    for (const k of Object.keys(this.extraFloats)) this.extraFloats[k] = g(this.extraFloats[k]!, f);
    for (const k of Object.keys(this.extraInts)) this.extraInts[k] = g(this.extraInts[k]!, i);
    this.components = this.components.map((c) => g(c, f));
    this.outcome = g(this.outcome, (n) => new Uint8Array(n));
    this.kept = g(this.kept, (n) => new Uint8Array(n));
    this.usageFlags = g(this.usageFlags, (n) => new Uint8Array(n));
    this.capacity = cap;
  }
}

/** What a line of the run's form gives the readers: its score and what the form reads of its answer. */
export interface AnswerParts {
  score: Record<string, number>;
  /** The first candidate label the answer names (candidate forms). */
  chosen?: string;
  /** The prediction when it is a success of the run's form. */
  own?: Prediction;
  /** The form's key of `own` ('' without it). */
  answerKey: string;
  flags: string[];
}

/**
 * Scores a line and reads its answer as the form does. A malformed answer (a success whose prediction the form
 * cannot read) throws here: every reader that skips such a line (the report's columns, compare's pairing) calls
 * this first, so they skip the same lines.
 */
export class LineScorer {
  private readonly form: ReturnType<typeof getForm>;
  private readonly candidates: boolean;
  private readonly scoreOptions: { scale: ScoringContext['scale']; k: number; candidates?: number };

  constructor(private readonly ctx: ScoringContext) {
    this.form = getForm(ctx.form);
    this.candidates = Boolean(this.form.candidates);
    this.scoreOptions = {
      scale: ctx.scale,
      k: ctx.k,
      ...(ctx.candidates !== undefined ? { candidates: ctx.candidates } : {}),
    };
  }

  read(r: CaseResult): AnswerParts {
    // An outcome no reader knows (a hand edit) is no answer of any kind: skipped, never scored as one.
    if (!Object.hasOwn(OUTCOME_CODE, r.outcome)) throw new Error(`unknown outcome "${String(r.outcome)}"`);
    const p = r.outcome === 'success' ? r.prediction : undefined;
    const score = scoreCase(r.expected, p, this.scoreOptions);
    const own = p && p.form === this.ctx.form ? p : undefined;
    const parts: AnswerParts = { score, answerKey: own ? this.form.answerKey(own) : '', flags: [] };
    if (own) parts.own = own;
    if (this.candidates && p) {
      const chosen = getForm(p.form).candidates?.firstLabel(p);
      if (chosen !== undefined) parts.chosen = chosen;
    }
    if (p && this.form.flags) parts.flags = this.form.flags(p);
    return parts;
  }
}

/**
 * Fills a run's columns one results line at a time (`add`, in file order), then `finish()`. `parser()` gives a
 * results.jsonl line parser that feeds it directly (for readResults).
 */
export class ResultColumnsBuilder {
  private readonly fs: FormScoring;
  private readonly variants = new Map<string, VariantBuilder>();
  private readonly caseIds = new StringTable();
  private readonly userIds = new StringTable();
  private readonly reasons = new StringTable();
  private readonly reasonCodes = new StringTable();
  private readonly flagLists = new StringTable();
  private readonly answerKeys = new StringTable();
  /** Model and template names. */
  private readonly names = new StringTable();
  private seq = 0;
  private readonly probabilistic: boolean;
  private readonly candidates: boolean;
  private readonly emptyAnswer: number;
  private readonly form: ReturnType<typeof getForm>;
  private readonly answers: LineScorer;

  constructor(readonly ctx: ScoringContext) {
    this.fs = formScoring(ctx.form, ctx.k, ctx.candidates);
    this.form = getForm(ctx.form);
    this.probabilistic = this.fs.metrics.some((m) => m.needsProbabilities || m.general === 'auc');
    this.candidates = Boolean(getForm(ctx.form).candidates);
    this.emptyAnswer = this.answerKeys.id('\u2205');
    this.answers = new LineScorer(ctx);
  }

  /**
   * Adds one results line (a later line of the same unit replaces the earlier one's values). Returns what its
   * answer gave (undefined for a line of another form), for a reader that scores the same line again.
   */
  add(r: CaseResult): AnswerParts | undefined {
    // What may throw on a malformed line (scoring, the form's readers of the answer) comes first, so such a line
    // is skipped whole, as the pairing reader skips it, and never leaves a half-written row over a good one.
    const kept = r.expected?.form === this.ctx.form;
    const form = this.form;
    const success = r.outcome === 'success';
    const parts = kept ? this.answers.read(r) : undefined;
    let v = this.variants.get(r.variant);
    if (!v) {
      v = new VariantBuilder(r.variant, this.fs.components.length, {
        floats: [
          ...(this.probabilistic ? ['prob', 'truth', 'binary'] : []),
          ...(this.candidates ? ['hit', 'head'] : []),
        ],
        ints: this.candidates ? ['trueLabel', 'chosenLabel'] : [],
      });
      this.variants.set(r.variant, v);
    }
    const caseIndex = this.caseIds.id(r.caseId);
    const i = v.slot(caseIndex, r.sample);
    if (v.added) v.floats.seq[i] = this.seq++;
    v.kept[i] = kept ? 1 : 0;
    v.ints.caseIndex[i] = caseIndex;
    v.ints.userIndex[i] = this.userIds.id(r.user);
    v.ints.sample[i] = r.sample;
    if (!parts) return undefined;
    const { score, chosen, own, answerKey, flags } = parts;
    v.ints.model[i] = this.names.id(r.model);
    v.ints.template[i] = r.template == null ? -1 : this.names.id(r.template);
    v.outcome[i] = OUTCOME_CODE[r.outcome]!;
    this.fs.fill(score, (j, x) => {
      v.components[j]![i] = x;
    });
    v.floats.historyLength[i] = r.historyLength;
    v.floats.targetPopularity[i] = r.targetPopularity;
    v.floats.finishedMs[i] = Date.parse(r.finishedAt) || 0;
    if (this.probabilistic) {
      v.extraFloats.prob![i] = typeof score.prob === 'number' ? score.prob : NaN;
      v.extraFloats.truth![i] = score.truth!;
      v.extraFloats.binary![i] = binaryScore(score);
    }
    if (this.candidates) {
      const t = form.candidates?.trueLabel(r.expected);
      v.extraInts.trueLabel![i] = t === undefined ? -1 : labelIndex(t);
      v.extraInts.chosenLabel![i] = chosen === undefined ? -1 : labelIndex(chosen);
      v.extraFloats.hit![i] = score.correct ?? score.hr1 ?? 0;
      v.extraFloats.head![i] = form.caseOutcome(score, this.ctx.k).value;
    }
    v.ints.answerKey[i] = success ? (own ? this.answerKeys.id(answerKey) : this.emptyAnswer) : -1;
    v.floats.numeric[i] = own && form.numericAnswer ? form.numericAnswer(own) : NaN;
    v.ints.reason[i] = success ? -1 : this.reasons.id((r.reason ?? '(no reason given)').slice(0, 200));
    v.ints.reasonCode[i] = success ? -1 : this.reasonCodes.id(r.reasonCode ?? 'unknown');
    v.ints.flags[i] = flags.length ? this.flagLists.id(flags.join('\u0000')) : -1;
    v.floats.promptTokens[i] = r.usage?.prompt ?? 0;
    v.floats.completionTokens[i] = r.usage?.completion ?? 0;
    v.floats.reasoningTokens[i] = r.usage?.reasoning ?? 0;
    v.floats.costUsd[i] = r.costUsd ?? 0;
    v.floats.attempts[i] = r.attempts ?? 0;
    v.floats.latencyMs[i] = r.latencyMs;
    v.usageFlags[i] = (r.cached ? 1 : 0) | (isUnpriced(r) ? 2 : 0);
    return parts;
  }

  /** A results.jsonl line parser that adds each line here (for readResults); it returns nothing to keep. */
  parser(): LineParser<null> {
    return (buf, start, end) => {
      this.add(parseWithoutMessages(buf, start, end));
      return null;
    };
  }

  /** The columns: kept rows only, variants in order of their first kept row. */
  finish(): RunColumns {
    let rows = 0;
    const variants: VariantColumns[] = [];
    for (const v of this.variants.values()) {
      const cols = compact(v, this.caseIds.size, this.names.values);
      if (cols.length === 0) continue;
      rows += cols.length;
      variants.push(cols);
    }
    this.variants.clear();
    // Rows are in first-seen order within a variant: its first row is its first kept line.
    variants.sort((a, b) => a.seq[0]! - b.seq[0]!);
    const order = Int32Array.from(this.userIds.values.keys());
    const ids = this.userIds.values;
    order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const userRank = new Int32Array(order.length);
    order.forEach((u, r) => (userRank[u] = r));
    return {
      ctx: this.ctx,
      scoring: this.fs,
      variants,
      caseIds: this.caseIds,
      userIds: this.userIds,
      userRank,
      reasons: this.reasons,
      reasonCodes: this.reasonCodes,
      flagLists: this.flagLists,
      answerKeys: this.answerKeys,
      rows,
    };
  }
}

/** The kept rows of a variant as columns (views when nothing was dropped), with their weights. */
function compact(v: VariantBuilder, cases: number, names: string[]): VariantColumns {
  const n = v.length;
  let keep: Int32Array | null = null;
  let kept = 0;
  for (let i = 0; i < n; i++) kept += v.kept[i]!;
  if (kept < n) {
    keep = new Int32Array(kept);
    for (let i = 0, k = 0; i < n; i++) if (v.kept[i]) keep[k++] = i;
  }
  const pick = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
    if (!keep) return a.subarray(0, n) as T;
    const out = new (a.constructor as new (n: number) => T)(kept);
    for (let k = 0; k < kept; k++) out[k] = a[keep[k]!]!;
    return out;
  };
  const sample = pick(v.ints.sample);
  const caseIndex = pick(v.ints.caseIndex);
  // A case's samples share its weight; with no sample above 0 every weight is 1.
  const weight = new Float64Array(kept).fill(1);
  if (sample.some((s) => s !== 0)) {
    const per = new Int32Array(cases);
    for (let k = 0; k < kept; k++) per[caseIndex[k]!]++;
    for (let k = 0; k < kept; k++) weight[k] = 1 / (per[caseIndex[k]!] || 1);
  }
  const ef = v.extraFloats;
  const ei = v.extraInts;
  const first = keep ? keep[0] : 0;
  const template = first === undefined || kept === 0 ? -1 : v.ints.template[first]!;
  return {
    variant: v.variant,
    model: kept ? names[v.ints.model[first!]!]! : '',
    template: template < 0 ? null : names[template]!,
    length: kept,
    seq: pick(v.floats.seq),
    caseIndex,
    userIndex: pick(v.ints.userIndex),
    sample,
    outcome: pick(v.outcome),
    weight,
    components: v.components.map(pick),
    historyLength: pick(v.floats.historyLength),
    targetPopularity: pick(v.floats.targetPopularity),
    finishedMs: pick(v.floats.finishedMs),
    ...(ef.prob ? { prob: pick(ef.prob), truth: pick(ef.truth!), binary: pick(ef.binary!) } : {}),
    ...(ei.trueLabel
      ? {
          trueLabel: pick(ei.trueLabel),
          chosenLabel: pick(ei.chosenLabel!),
          hit: pick(ef.hit!),
          head: pick(ef.head!),
        }
      : {}),
    answerKey: pick(v.ints.answerKey),
    numeric: pick(v.floats.numeric),
    reason: pick(v.ints.reason),
    reasonCode: pick(v.ints.reasonCode),
    flags: pick(v.ints.flags),
    promptTokens: pick(v.floats.promptTokens),
    completionTokens: pick(v.floats.completionTokens),
    reasoningTokens: pick(v.floats.reasoningTokens),
    costUsd: pick(v.floats.costUsd),
    attempts: pick(v.floats.attempts),
    latencyMs: pick(v.floats.latencyMs),
    usageFlags: pick(v.usageFlags),
  };
}

/** The columns of results already in memory (any order; the last line of a unit wins, at its first slot). */
export function resultColumns(results: Iterable<CaseResult>, ctx: ScoringContext): RunColumns {
  const b = new ResultColumnsBuilder(ctx);
  for (const r of results) b.add(r);
  return b.finish();
}

/**
 * Cluster (user) numbers of a variant's rows: users numbered in id order among the variant's users (the same
 * answers give the same intervals whatever order the lines were written in).
 */
export function rowClusters(
  run: RunColumns,
  users: Int32Array,
  rows?: ArrayLike<number>,
): { index: Int32Array; count: number } {
  const n = rows ? rows.length : users.length;
  const rank = run.userRank;
  const present = new Uint8Array(rank.length);
  for (let k = 0; k < n; k++) present[rank[users[rows ? rows[k]! : k]!]!] = 1;
  const number = new Int32Array(rank.length);
  let count = 0;
  for (let r = 0; r < present.length; r++) if (present[r]) number[r] = count++;
  const index = new Int32Array(n);
  for (let k = 0; k < n; k++) index[k] = number[rank[users[rows ? rows[k]! : k]!]!]!;
  return { index, count };
}

/** A variant with no rows. */
export function emptyVariant(run: RunColumns): VariantColumns {
  const f = new Float64Array(0);
  const i = new Int32Array(0);
  const u = new Uint8Array(0);
  return {
    variant: '',
    model: '',
    template: null,
    length: 0,
    seq: f,
    caseIndex: i,
    userIndex: i,
    sample: i,
    outcome: u,
    weight: f,
    components: run.scoring.components.map(() => f),
    historyLength: f,
    targetPopularity: f,
    finishedMs: f,
    prob: f,
    truth: f,
    binary: f,
    trueLabel: i,
    chosenLabel: i,
    hit: f,
    head: f,
    answerKey: i,
    numeric: f,
    reason: i,
    reasonCode: i,
    flags: i,
    promptTokens: f,
    completionTokens: f,
    reasoningTokens: f,
    costUsd: f,
    attempts: f,
    latencyMs: f,
    usageFlags: u,
  };
}
