// What a paired comparison reads of a run, as columns: per variant and unit (case, sample) the case and user
// (interned in tables shared by the runs compared, so pairing is by integer), the outcome, the per-case score
// record (scoreResult: its keys interned as a shape, its values in one column per key) and the answer's text
// (interned). One pass over results.jsonl (or an array of results) fills it; there is no object per result.
//
// Units are deduplicated as the run store reads them: a unit keeps the slot of its first line and the values of
// its last one. Variants are listed in order of their first line, with the model and template of their first
// unit's last line (what `variantsOf` gave on the store's results).
//
// `mergeCases` then turns one variant's rows into one entry per case (its samples merged: mean scores, the share
// of failed samples, the share the form counts as a hit), in order of each case's first row: what
// `comparePaired` pairs across two sides.
import { getForm, predictionText } from '../forms';
import type { CaseResult, Outcome } from '../types';
import { caseRows, parseWithoutMessages, type LineParser } from '../run/results';
import { scoreResult, type ScoringContext } from './aggregate';
import { LineScorer, StringTable, type AnswerParts } from './columns';
import { binaryScore, formScoring } from './metrics';

const OUTCOMES: readonly Outcome[] = ['success', 'invalid', 'error'];
const OUTCOME_CODE: Record<string, number> = { success: 0, invalid: 1, error: 2 };

/** Tables shared by the runs of one comparison. */
export class PairTables {
  readonly caseIds = new StringTable();
  readonly userIds = new StringTable();
  readonly answers = new StringTable();
  /** Score key lists (joined by \u0000), and each key's column number. */
  readonly shapes = new StringTable();
  readonly shapeKeys: number[][] = [];
  readonly keys = new StringTable();
  shapeOf(score: Record<string, number>): number {
    const names = Object.keys(score);
    const id = this.shapes.id(names.join('\u0000'));
    if (id === this.shapeKeys.length) this.shapeKeys.push(names.map((k) => this.keys.id(k)));
    return id;
  }
}

/** A short text of what an observation answered, for change lists and exports. */
export function answerText(r: CaseResult): string {
  if (r.outcome !== 'success' || !r.prediction) return r.outcome;
  return predictionText(r.prediction);
}

/** A variant as the pairing sees it. */
export interface VariantInfo {
  id: string;
  model: string;
  template: string | null;
  kind: 'llm' | 'baseline';
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/** One variant's units, in order of each unit's first line. */
export class PairVariant {
  length = 0;
  private capacity = 0;
  caseIndex = new Int32Array(0);
  userIndex = new Int32Array(0);
  sample = new Int32Array(0);
  /** OUTCOMES index. */
  outcome = new Uint8Array(0);
  /** 1 when the unit's expected answer is of the run's form. */
  ownForm = new Uint8Array(0);
  shape = new Int32Array(0);
  answer = new Int32Array(0);
  /** Per score key (PairTables.keys), the value of each row (rows whose shape lacks the key: unset). */
  values: Float64Array[] = [];
  private readonly slots = new Map<number, Int32Array>();
  /** Whether the last slot() call appended a row. */
  added = false;
  constructor(readonly info: VariantInfo) {}

  /** The row of a unit, appended when the unit is new. */
  slot(caseIndex: number, sample: number): number {
    const bySample = caseRows(this.slots, sample, caseIndex);
    const had = bySample[caseIndex]!;
    this.added = had < 0;
    if (had >= 0) return had;
    if (this.length === this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    bySample[caseIndex] = this.length;
    return this.length++;
  }

  column(key: number): Float64Array {
    while (this.values.length <= key) this.values.push(new Float64Array(this.capacity));
    return this.values[key]!;
  }

  private grow(cap: number): void {
    this.caseIndex = grow(this.caseIndex, cap);
    this.userIndex = grow(this.userIndex, cap);
    this.sample = grow(this.sample, cap);
    this.outcome = grow(this.outcome, cap);
    this.ownForm = grow(this.ownForm, cap);
    this.shape = grow(this.shape, cap);
    this.answer = grow(this.answer, cap);
    this.values = this.values.map((v) => grow(v, cap));
    this.capacity = cap;
  }

  /** Drops the per-unit slots (lookups by unit) once the run is read. */
  sealed(): void {
    this.slots.clear();
  }
}

/** A run's units for pairing. */
export interface PairRun {
  tables: PairTables;
  ctx: ScoringContext;
  /** Variants in order of their first line. */
  variants: Map<string, PairVariant>;
  /** Distinct units (every form). */
  units: number;
}

/** Fills a PairRun one results line at a time (in file order). */
export class PairRunBuilder {
  private readonly variants = new Map<string, PairVariant>();
  private units = 0;
  private readonly scorer: LineScorer;
  constructor(
    readonly tables: PairTables,
    readonly ctx: ScoringContext,
    /** Only these variants' lines (others are skipped). */
    private readonly only?: ReadonlySet<string>,
  ) {
    this.scorer = new LineScorer(ctx);
  }

  /** `parts`: the line's answer as the report's columns already read it (ResultColumnsBuilder.add), not read twice. */
  add(r: CaseResult, parts?: AnswerParts): void {
    if (this.only && !this.only.has(r.variant)) return;
    const t = this.tables;
    // What may throw on a malformed line comes first: such a line then leaves no half-written row. A line of the
    // run's form is read as the report's columns read it, so both skip the same lines.
    const score =
      r.expected?.form !== this.ctx.form ? scoreResult(r, this.ctx) : (parts ?? this.scorer.read(r)).score;
    const answer = t.answers.id(answerText(r));
    let v = this.variants.get(r.variant);
    if (!v) {
      v = new PairVariant({ id: r.variant, model: r.model, template: r.template, kind: 'llm' });
      this.variants.set(r.variant, v);
    }
    const caseIndex = t.caseIds.id(r.caseId);
    const i = v.slot(caseIndex, r.sample);
    if (v.added) this.units++;
    if (i === 0) {
      // The variant's first unit, with its latest line's model and template.
      v.info.model = r.model;
      v.info.template = r.template;
      v.info.kind = r.template === null || r.variant.startsWith('baseline:') ? 'baseline' : 'llm';
    }
    v.caseIndex[i] = caseIndex;
    v.userIndex[i] = t.userIds.id(r.user);
    v.sample[i] = r.sample;
    v.outcome[i] = OUTCOME_CODE[r.outcome] ?? 0;
    v.ownForm[i] = r.expected?.form === this.ctx.form ? 1 : 0;
    const shape = t.shapeOf(score);
    v.shape[i] = shape;
    const keys = t.shapeKeys[shape]!;
    let k = 0;
    for (const name in score) v.column(keys[k++]!)[i] = score[name]!;
    v.answer[i] = answer;
  }

  /** A results.jsonl line parser that adds each line here (for readResults); it keeps nothing itself. */
  parser(): LineParser<null> {
    return (buf, start, end) => {
      this.add(parseWithoutMessages(buf, start, end));
      return null;
    };
  }

  finish(): PairRun {
    for (const v of this.variants.values()) v.sealed();
    return { tables: this.tables, ctx: this.ctx, variants: this.variants, units: this.units };
  }
}

/** The PairRun of results already in memory. */
export function pairRunOf(
  results: Iterable<CaseResult>,
  ctx: ScoringContext,
  tables = new PairTables(),
): PairRun {
  const b = new PairRunBuilder(tables, ctx);
  for (const r of results) b.add(r);
  return b.finish();
}

/** The variants of a PairRun, in order of their first line. */
export function pairVariantsOf(run: PairRun): VariantInfo[] {
  return [...run.variants.values()].map((v) => ({ ...v.info }));
}

/** One variant's cases, samples merged, in order of each case's first row. */
export interface MergedCases {
  tables: PairTables;
  length: number;
  caseIndex: Int32Array;
  /** The user of the case's lowest sample. */
  user: Int32Array;
  /** success when any sample answered, else the lowest sample's outcome (OUTCOMES index). */
  outcome: Uint8Array;
  /** The answer text of the first answered sample, else of the lowest. */
  answer: Int32Array;
  samples: Int32Array;
  failShare: Float64Array;
  /** Mean over samples of the form's per-case hit (McNemar's majority vote). */
  hitShare: Float64Array;
  /** The form's scoring components of the merged score (fs.fill). */
  components: Float64Array[];
  /** The merged score has a stated probability. */
  hasProb: Uint8Array;
  /** binaryScore and truth === 1 of the merged score (AUC). */
  binary: Float64Array;
  positive: Uint8Array;
  /** The form's caseOutcome of the merged score: hit and headline value. */
  hit: Float64Array;
  value: Float64Array;
  /** Merged index of each case (by case table index), -1 when absent. */
  position: Int32Array;
}

export const outcomeName = (code: number): Outcome => OUTCOMES[code]!;

/**
 * One variant's cases with their samples merged (mean scores; see the file comment). `ownForm`: only units whose
 * expected answer is of the run's form. An absent variant gives no cases.
 */
export function mergeCases(
  run: PairRun,
  variant: string,
  ctx: ScoringContext,
  options: { ownForm?: boolean } = {},
): MergedCases {
  const t = run.tables;
  const v = run.variants.get(variant);
  const n = v?.length ?? 0;
  const position = new Int32Array(t.caseIds.size).fill(-1);
  const counts: number[] = [];
  let m = 0;
  const use = (i: number): boolean => !options.ownForm || v!.ownForm[i] === 1;
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    const c = v!.caseIndex[i]!;
    if (position[c]! < 0) {
      position[c] = m++;
      counts.push(0);
    }
    counts[position[c]!]!++;
  }
  const start = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) start[j + 1] = start[j]! + counts[j]!;
  const rows = new Int32Array(start[m]!);
  const fillAt = start.slice(0, m);
  for (let i = 0; i < n; i++) if (use(i)) rows[fillAt[position[v!.caseIndex[i]!]!]!++] = i;

  const fs = formScoring(ctx.form, ctx.k, ctx.candidates);
  const form = getForm(ctx.form);
  const w = fs.components.length;
  const out: MergedCases = {
    tables: t,
    length: m,
    caseIndex: new Int32Array(m),
    user: new Int32Array(m),
    outcome: new Uint8Array(m),
    answer: new Int32Array(m),
    samples: new Int32Array(m),
    failShare: new Float64Array(m),
    hitShare: new Float64Array(m),
    components: Array.from({ length: w }, () => new Float64Array(m)),
    hasProb: new Uint8Array(m),
    binary: new Float64Array(m),
    positive: new Uint8Array(m),
    hit: new Float64Array(m),
    value: new Float64Array(m),
    position,
  };
  const scoreOf = (i: number): Record<string, number> => {
    const s: Record<string, number> = {};
    for (const key of t.shapeKeys[v!.shape[i]!]!) s[t.keys.values[key]!] = v!.values[key]![i]!;
    return s;
  };
  const list: number[] = [];
  for (let j = 0; j < m; j++) {
    list.length = 0;
    for (let r = start[j]!; r < start[j + 1]!; r++) list.push(rows[r]!);
    list.sort((x, y) => v!.sample[x]! - v!.sample[y]!);
    const first = list[0]!;
    // As caseObservations always merged them: per key, the mean over the samples that have it.
    const sums: Record<string, { total: number; count: number }> = {};
    let hits = 0;
    let failed = 0;
    let ok = -1;
    for (const i of list) {
      const s = scoreOf(i);
      for (const [k, x] of Object.entries(s)) {
        const e = (sums[k] ??= { total: 0, count: 0 });
        e.total += x;
        e.count++;
      }
      hits += form.caseOutcome(s, ctx.k).hit;
      if (v!.outcome[i] !== 0) failed++;
      else if (ok < 0) ok = i;
    }
    const score: Record<string, number> = {};
    for (const [k, e] of Object.entries(sums)) score[k] = e.total / e.count;
    out.caseIndex[j] = v!.caseIndex[first]!;
    out.user[j] = v!.userIndex[first]!;
    out.outcome[j] = ok >= 0 ? 0 : v!.outcome[first]!;
    out.answer[j] = v!.answer[ok >= 0 ? ok : first]!;
    out.samples[j] = list.length;
    out.failShare[j] = failed / list.length;
    out.hitShare[j] = hits / list.length;
    fs.fill(score, (c, x) => {
      out.components[c]![j] = x;
    });
    out.hasProb[j] = typeof score.prob === 'number' ? 1 : 0;
    out.binary[j] = binaryScore(score);
    out.positive[j] = score.truth === 1 ? 1 : 0;
    const co = form.caseOutcome(score, ctx.k);
    out.hit[j] = co.hit;
    out.value[j] = co.value;
  }
  return out;
}
