// Renders reports and comparisons as terminal text, Markdown or JSON. Both text forms are built from one list
// of sections (title, lines, tables), so they always show the same content.
import { getForm, hasForm } from '../forms';
import type { Estimate } from './bootstrap';
import { pairName, type PairedComparison, type RunComparison } from './compare';
import type { Report, VariantReport } from './report';

interface Table {
  headers: string[];
  rows: string[][];
  /** Columns to right-align (numbers); default every column but the first. */
  right?: boolean[];
}

interface Section {
  title: string;
  lines?: string[];
  tables?: Table[];
}

export const fmtNum = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
export const fmtPct = (x: number, digits = 1): string =>
  Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–';
export const fmtCI = (e: Estimate | undefined, digits = 3): string =>
  !e || !Number.isFinite(e.value)
    ? '–'
    : Number.isFinite(e.lo)
      ? `${fmtNum(e.value, digits)} [${fmtNum(e.lo, digits)}, ${fmtNum(e.hi, digits)}]`
      : fmtNum(e.value, digits);
export const fmtP = (p: number): string => (!Number.isFinite(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** USD as text; null (no price known) is "unknown", never "$0". */
export const fmtUsd = (x: number | null): string =>
  x === null ? 'unknown' : x > 0 ? `$${x < 0.01 ? x.toFixed(5) : x.toFixed(4)}` : '$0';
const signed = (x: number, digits = 3): string =>
  Number.isFinite(x) ? (x > 0 ? '+' : '') + x.toFixed(digits) : '–';
const fmtDiffCI = (e: Estimate, digits = 3): string =>
  `${signed(e.value, digits)} [${signed(e.lo, digits)}, ${signed(e.hi, digits)}]`;

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Splits variants into groups so wide tables stay readable. */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}

/** A model's recall rate from a recall run over the same data set (memorisation beside behaviour). */
function recallCell(r: Report, v: VariantReport): string {
  const m = v.kind === 'llm' ? r.memorisation?.find((x) => x.model === v.model) : undefined;
  return m ? `${fmtPct(m.exact.value, 0)} [${fmtPct(m.exact.lo, 0)}, ${fmtPct(m.exact.hi, 0)}]` : '';
}

function reportSections(r: Report): Section[] {
  const sections: Section[] = [];
  const h = r.headline;
  const run = r.run;
  const header = [
    `${run.form} · ${run.dataset.name} · ${run.cases} cases` +
      (run.candidates ? ` · ${run.candidates} candidates` : '') +
      (hasForm(run.form) && getForm(run.form).usesCutoff ? ` · k = ${run.k}` : '') +
      (run.samples > 1 ? ` · ${run.samples} samples per case` : '') +
      (run.probe ? ' · knowledge probe (opaque ids)' : ''),
    ...(run.protocol ? [run.protocol] : []),
    `status ${run.status} · ${run.finishedUnits} of ${run.units} answers` +
      ` · duration ${fmtDuration(run.durationMs)}` +
      (run.startedAt ? ` · started ${run.startedAt}` : ''),
    `cost ${fmtUsd(r.totals.costUsd)} · tokens ${fmtInt(r.totals.promptTokens)} in, ${fmtInt(
      r.totals.completionTokens,
    )} out` + (r.totals.cached ? ` · ${fmtInt(r.totals.cached)} cached answers` : ''),
    `95% intervals: ${r.bootstrap.method} bootstrap over users, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}.` +
      ' Invalid and error answers are scored as the worst valid answer for the case; "valid only" leaves them out.',
  ];
  sections.push({ title: `UBP report: ${run.name} (${run.id})`, lines: header });

  const vs = r.variants;
  const beside = r.besideHeadline ?? [];
  if (vs.length === 0) {
    sections.push({ title: 'No finished answers yet', lines: ['Run it (or wait for it) and report again.'] });
    if (r.notes.length) sections.push({ title: 'Notes', lines: r.notes });
    return sections;
  }
  sections.push({
    title: `Headline: ${h.label} (${h.higherIsBetter ? 'higher' : 'lower'} is better)`,
    lines: vs.some((v) => v.vsBestBaseline)
      ? [
          `"vs best baseline": the model minus ${vs.find((v) => v.vsBestBaseline)!.vsBestBaseline!.baseline} on their shared cases (paired).`,
        ]
      : [],
    tables: [
      {
        headers: [
          'variant',
          h.label,
          'valid only',
          ...beside.map((key) => r.metrics.find((m) => m.key === key)?.label ?? key),
          'invalid',
          'error',
          'cases',
          'users',
          ...(vs.some((v) => v.vsBestBaseline) ? ['vs best baseline [95% CI]', 'p'] : []),
          ...(r.memorisation?.length ? ['recalls titles [95% CI]'] : []),
        ],
        rows: vs.map((v) => {
          const m = v.metrics.find((x) => x.key === h.key);
          const vb = v.vsBestBaseline;
          return [
            v.variant,
            fmtCI(m?.all),
            fmtCI(m?.valid),
            ...beside.map((key) => fmtCI(v.metrics.find((x) => x.key === key)?.all)),
            fmtPct(v.invalidShare.value),
            fmtPct(v.errorShare.value),
            fmtInt(v.counts.cases),
            fmtInt(v.counts.users),
            ...(vs.some((x) => x.vsBestBaseline) ? (vb ? [fmtDiffCI(vb.diff), fmtP(vb.p)] : ['', '']) : []),
            ...(r.memorisation?.length ? [recallCell(r, v)] : []),
          ];
        }),
      },
    ],
  });

  const others = r.metrics.filter((m) => m.key !== h.key);
  if (others.length) {
    sections.push({
      title: 'All metrics (invalid and error as wrong)',
      tables: chunks(vs, 4).map((group) => ({
        headers: ['metric', ...group.map((v) => v.variant)],
        rows: r.metrics
          .filter((m) => group.some((v) => v.metrics.some((x) => x.key === m.key)))
          .map((m) => [m.label, ...group.map((v) => fmtCI(v.metrics.find((x) => x.key === m.key)?.all))]),
      })),
    });
  }

  const bucketTable = (
    pick: (v: VariantReport) => VariantReport['breakdowns']['historyLength'],
    name: string,
  ) => {
    const labels = [...new Set(vs.flatMap((v) => pick(v).map((b) => b.label)))];
    return chunks(vs, 4).map((group) => ({
      headers: [name, 'cases', ...group.map((v) => v.variant)],
      rows: labels.map((label) => {
        const first = vs.map((v) => pick(v).find((b) => b.label === label)).find(Boolean);
        return [
          label,
          fmtInt(first?.cases ?? 0),
          ...group.map((v) => fmtCI(pick(v).find((b) => b.label === label)?.value)),
        ];
      }),
    }));
  };
  if (vs.length) {
    sections.push({
      title: `${h.label} by history length (interactions before the target)`,
      tables: bucketTable((v) => v.breakdowns.historyLength, 'history'),
    });
    sections.push({
      title: `${h.label} by target popularity (terciles of training interactions)`,
      tables: bucketTable((v) => v.breakdowns.popularity, 'popularity'),
    });
    sections.push({
      title: `${h.label} per user (best and worst; cases in parentheses)`,
      lines: vs.map((v) => {
        const u = v.breakdowns.users;
        const list = (rows: typeof u.best) =>
          rows.map((x) => `${x.user} ${fmtNum(x.value)} (${x.cases})`).join(', ') || '–';
        return `${v.variant} (${u.count} users): best ${list(u.best)}; worst ${list(u.worst)}`;
      }),
    });
  }

  const biased = vs.filter((v) => v.positionBias);
  // Beside HR@1, the headline by true label when the headline is another figure (ranking: NDCG@k).
  const headByLabel = h.key !== 'accuracy';
  if (biased.length) {
    const labels = biased[0].positionBias!.positions.map((p) => p.label);
    sections.push({
      title:
        'Position bias: share of answers choosing each label (ranking: put first), and HR@1 by true label' +
        (headByLabel ? ` (and ${h.label})` : ''),
      lines: biased.map(
        (v) =>
          `${v.variant}: χ² = ${fmtNum(v.positionBias!.test.statistic, 1)}, df ${v.positionBias!.test.df}, ` +
          `p = ${fmtP(v.positionBias!.test.p)} (chosen labels against a uniform spread)`,
      ),
      tables: chunks(biased, 4).map((group) => ({
        headers: [
          'label',
          ...group.flatMap((v) => [`${v.variant} chosen`, 'HR@1', ...(headByLabel ? [h.label] : [])]),
        ],
        rows: labels.map((label, i) => [
          label,
          ...group.flatMap((v) => {
            const p = v.positionBias!.positions[i];
            const cells = [fmtPct(p?.chosenShare ?? NaN), fmtNum(p?.accuracy ?? NaN, 2)];
            return headByLabel ? [...cells, fmtNum(p?.headline ?? NaN, 2)] : cells;
          }),
        ]),
      })),
    });
  }

  const calibrated = vs.filter((v) => v.calibration);
  if (calibrated.length) {
    sections.push({
      title: 'Calibration (stated probability of "like" against the observed rate, valid answers)',
      tables: calibrated.map((v) => ({
        headers: [`${v.variant}: bin`, 'answers', 'mean p', 'observed'],
        rows: v
          .calibration!.filter((b) => b.n > 0)
          .map((b) => [
            `${b.from.toFixed(1)}–${b.to.toFixed(1)}`,
            fmtNum(b.n, 0),
            fmtNum(b.meanProbability, 2),
            fmtNum(b.observedRate, 2),
          ]),
      })),
    });
  }

  const agreeing = vs.filter((v) => v.agreement);
  if (agreeing.length) {
    sections.push({
      title: 'Agreement between samples (share of sample pairs giving the same answer)',
      lines: agreeing.map(
        (v) =>
          `${v.variant}: ${fmtCI(v.agreement!.pairwise)} over ${v.agreement!.cases} cases` +
          (v.agreement!.ratingSd !== undefined
            ? `; mean SD of predicted ratings ${fmtNum(v.agreement!.ratingSd)}`
            : ''),
      ),
    });
  }

  if (r.probe) {
    const p = r.probe;
    sections.push({
      title: `Knowledge probe: ${h.label} with titles against opaque ids (run ${p.probeRun})`,
      lines: [
        'Drop = how much worse without titles (positive = the model used what it knows about the titles).',
      ],
      tables: [
        {
          headers: ['variant', 'titled', 'opaque ids', 'drop [95% CI]', 'p', 'cases'],
          rows: p.rows.map((x) => [
            x.variant,
            fmtNum(x.titled),
            fmtNum(x.probe),
            fmtDiffCI(x.drop),
            fmtP(x.p),
            fmtInt(x.sharedCases),
          ]),
        },
      ],
    });
  }

  sections.push({
    title: 'Cost, tokens and latency',
    tables: [
      {
        headers: ['variant', 'cost', 'tokens in', 'tokens out', 'cached', 'latency p50', 'p95'],
        rows: vs.map((v) => [
          v.variant,
          fmtUsd(v.usage.costUsd),
          fmtInt(v.usage.promptTokens),
          fmtInt(v.usage.completionTokens),
          fmtInt(v.usage.cached),
          fmtDuration(v.usage.latencyMs.p50),
          fmtDuration(v.usage.latencyMs.p95),
        ]),
      },
    ],
  });

  const coded = vs.filter((v) => Object.keys(v.reasonCodes ?? {}).length);
  if (coded.length) {
    const codes = [...new Set(coded.flatMap((v) => Object.keys(v.reasonCodes)))].sort();
    sections.push({
      title: 'Invalid and error answers by reason code (docs/scoring.md)',
      tables: [
        {
          headers: ['variant', ...codes],
          rows: coded.map((v) => [v.variant, ...codes.map((c) => fmtInt(v.reasonCodes[c] ?? 0))]),
        },
      ],
    });
  }
  const flagged = vs.filter((v) => Object.values(v.flags ?? {}).some((n) => n > 0));
  if (flagged.length) {
    sections.push({
      title: 'Flagged valid answers (counted and scored as given)',
      lines: flagged.map(
        (v) =>
          `${v.variant}: ` +
          Object.entries(v.flags!)
            .map(([flag, n]) =>
              flag === 'contradictory'
                ? `${fmtInt(n)} contradictory (like with a probability of like under ½, or the reverse)`
                : `${fmtInt(n)} ${flag}`,
            )
            .join(', '),
      ),
    });
  }

  const reasons = vs.filter((v) => v.reasons.length);
  if (reasons.length) {
    sections.push({
      title: 'Most common reasons for invalid and error answers',
      lines: reasons.flatMap((v) =>
        v.reasons.map((x) => `${v.variant}: ${x.count} × ${x.outcome}: ${x.reason}`),
      ),
    });
  }
  if (r.notes.length) sections.push({ title: 'Notes', lines: r.notes });
  return sections;
}

function comparisonSections(
  c: RunComparison,
  options: { onlyChanged?: boolean; maxChanged?: number },
): Section[] {
  const sections: Section[] = [];
  const max = options.maxChanged ?? 50;
  if (!options.onlyChanged) {
    sections.push({
      title: `UBP compare: ${c.a} → ${c.b}`,
      lines: [
        'Differences are B − A on the cases both runs have (matched by case id; several samples of a case enter',
        'as their mean); 95% intervals and p-values from a paired bootstrap over users; McNemar exact (mid-p) on',
        'per-case correctness (majority vote of the samples, a tie counted wrong).',
        ...(c.warnings ?? []).map((w) => `Warning: ${w}`),
        ...(c.probe
          ? [`Knowledge probe: run ${c.probe.titled === 'a' ? c.a : c.b} has titles, the other opaque ids.`]
          : []),
        ...(c.onlyA.length
          ? [
              c.a === c.b
                ? `Variants not in a pair (left out): ${c.onlyA.join(', ')}`
                : `Variants only in ${c.a}: ${c.onlyA.join(', ')}`,
            ]
          : []),
        ...(c.onlyB.length ? [`Variants only in ${c.b}: ${c.onlyB.join(', ')}`] : []),
      ],
    });
    for (const v of c.variants) sections.push(...pairSections(v));
  }
  const changedLines: string[] = [];
  for (const v of c.variants) {
    const name = pairName(v);
    const shown = v.changed.slice(0, max);
    for (const x of shown) {
      changedLines.push(
        `${name}  ${x.caseId}${x.sample ? `#${x.sample}` : ''}  ${x.change}  ${x.a.answer} → ${x.b.answer}`,
      );
    }
    if (v.changed.length > shown.length)
      changedLines.push(`${name}  … ${v.changed.length - shown.length} more`);
  }
  sections.push({
    title: 'Cases that changed outcome (variant, case, change, answer A → answer B)',
    lines: changedLines.length ? changedLines : ['none'],
  });
  return sections;
}

function pairSections(v: PairedComparison): Section[] {
  const name = pairName(v);
  const lines = [
    `paired n = ${v.shared.cases} cases (${v.shared.users} users); ` +
      `${v.onlyA} cases only in A and ${v.onlyB} only in B, left out.`,
    `changed: ${v.changes.improved} improved, ${v.changes.regressed} regressed, ${v.changes.unchanged} unchanged.`,
  ];
  if (v.mcnemar) {
    lines.push(
      `McNemar: ${v.mcnemar.b} right only in A, ${v.mcnemar.c} right only in B; exact p = ${fmtP(
        v.mcnemar.pExact,
      )}, mid-p = ${fmtP(v.mcnemar.pMid)}.`,
    );
  }
  return [
    {
      title: `${name}`,
      lines,
      tables: [
        {
          headers: ['metric', 'A', 'B', 'B − A [95% CI]', 'p', 'verdict'],
          rows: v.metrics.map((m) => [
            m.key === v.headline ? `${m.label} *` : m.label,
            fmtNum(m.a),
            fmtNum(m.b),
            fmtDiffCI(m.diff),
            fmtP(m.p),
            m.verdict,
          ]),
        },
      ],
    },
  ];
}

function textTable(t: Table): string {
  const right = t.right ?? t.headers.map((_, i) => i > 0);
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(t: Table): string {
  const right = t.right ?? t.headers.map((_, i) => i > 0);
  return [
    `| ${t.headers.map(mdEscape).join(' | ')} |`,
    `|${right.map((r) => (r ? ' ---: ' : ' --- ')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map((c) => mdEscape(c ?? '')).join(' | ')} |`),
  ].join('\n');
}

function toText(sections: Section[]): string {
  return (
    sections
      .map((s) => {
        const parts = [s.title, ...(s.lines ?? []).map((l) => `  ${l}`)];
        for (const t of s.tables ?? []) parts.push('', textTable(t));
        return parts.join('\n');
      })
      .join('\n\n') + '\n'
  );
}

function toMarkdown(sections: Section[]): string {
  return (
    sections
      .map((s, i) => {
        const parts = [`${i === 0 ? '#' : '##'} ${mdEscape(s.title)}`];
        if (s.lines?.length) parts.push('', ...s.lines.map((l) => `- ${mdEscape(l)}`));
        for (const t of s.tables ?? []) parts.push('', mdTable(t));
        return parts.join('\n');
      })
      .join('\n\n') + '\n'
  );
}

/** JSON with NaN and ±Infinity written as null (JSON has no such numbers). */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n'
  );
}

export const renderReportText = (r: Report): string => toText(reportSections(r));
export const renderReportMarkdown = (r: Report): string => toMarkdown(reportSections(r));
export const renderReportJson = (r: Report): string => toJson(r);

export interface ComparisonRenderOptions {
  /** Only the list of cases that changed outcome. */
  onlyChanged?: boolean;
  /** Changed cases listed per variant (default 50). */
  maxChanged?: number;
}

export const renderComparisonText = (c: RunComparison, o: ComparisonRenderOptions = {}): string =>
  toText(comparisonSections(c, o));
export const renderComparisonMarkdown = (c: RunComparison, o: ComparisonRenderOptions = {}): string =>
  toMarkdown(comparisonSections(c, o));
