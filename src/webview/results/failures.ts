// The failed-predictions table: every wrong, invalid or errored case, filtered (variant, outcome, user, search),
// sorted by the size of the error, and VIRTUALISED: a fixed row height in a scroll container, only the rows in
// view (plus a small margin) exist in the DOM, recycled as the user scrolls, so 100,000 rows scroll smoothly.
// A big run's table is PAGED: the host filters and sorts (its model holds no rows), sends the first page, and the
// table asks for the next one when the user scrolls to the end of what it has; the count says how many it shows
// of how many there are. Every cell is set through textContent: answers and titles are untrusted text.
import {
  FAILURE_EXPORT_COLUMNS,
  failureSearchText,
  type FailureQuery,
  type FailureRow,
  type FailureSort,
  type FailuresBatch,
  type FailuresPage,
} from '../../protocol/resultsPanel';
import { h, replace } from '../lib/dom';
import { button, select, textfield, type Option } from './controls';
import { fmt } from './format';

export const ROW_HEIGHT = 26;
const OVERSCAN = 6;
/** Rows asked for per page (a big run). */
const PAGE_ROWS = 500;
/** Quiet time after typing in a filter before a big run's host is asked again. */
const QUERY_DEBOUNCE_MS = 250;

type SortKey = FailureSort;

interface Column {
  key: string;
  label: string;
  cls: string;
  text: (r: FailureRow) => string;
}

const OUTCOME_RANK: Record<FailureRow['outcome'], number> = {
  error: 0,
  invalid: 1,
  wrong: 2,
  regressed: 0,
  improved: 1,
};

export interface FailuresOptions {
  /** `changes`: compare mode's list of cases that changed between two runs (A and B answers, no error size). */
  kind?: 'failures' | 'changes';
  onOpen: (row: FailureRow) => void;
  onExport: (format: 'csv' | 'json', columns: string[], rows: (string | number | null)[][]) => void;
  /** Reports the first paint after rows arrive (for timing). */
  onRendered?: (rows: number) => void;
  /** A big run: asks the host for rows [offset, offset + limit) of a query's failures. */
  fetchPage?: (query: FailureQuery, offset: number, limit: number) => Promise<FailuresPage>;
  /** A big run: the host exports every failure of a query (the table holds only some). */
  onExportQuery?: (format: 'csv' | 'json', query: FailureQuery) => void;
  /** A page request failed. */
  onError?: (message: string) => void;
}

export class FailuresTable {
  readonly element: HTMLElement;
  private all: FailureRow[] = [];
  /** Lower-cased text searched by the search box, per row (built once per row). */
  private haystack = new WeakMap<FailureRow, string>();
  private view: FailureRow[] = [];
  private variant = '';
  private outcome = '';
  private user = '';
  private search = '';
  private sort: SortKey = 'error-desc';
  private active = -1;
  private columns: Column[] = [];
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly header: HTMLElement;
  private readonly count: HTMLElement;
  private readonly filterBar: HTMLElement;
  private variantSlot: HTMLElement;
  private pool: HTMLElement[] = [];
  private frame = 0;
  private variants: string[] = [];
  private readonly noun: string;
  /** Set while the rows are pages of a big run's failures (the host filters and sorts). */
  private paged?: { total: number; all: number; loading: boolean };
  /** Bumped by every new query: answers to older ones are dropped. */
  private seq = 0;
  private queryTimer = 0;

  constructor(private readonly opts: FailuresOptions) {
    const changes = opts.kind === 'changes';
    this.noun = changes ? 'changed cases' : 'failures';
    this.count = h('span', { class: 'count', id: 'failures-count', 'aria-live': 'polite' });
    this.variantSlot = h('span');
    this.filterBar = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Filter failures' },
      this.variantSlot,
      select(
        'failures-outcome',
        changes ? 'Change' : 'Outcome',
        changes
          ? [
              { value: '', label: 'All changes' },
              { value: 'regressed', label: 'Regressed' },
              { value: 'improved', label: 'Improved' },
            ]
          : [
              { value: '', label: 'All outcomes' },
              { value: 'wrong', label: 'Wrong' },
              { value: 'invalid', label: 'Invalid' },
              { value: 'error', label: 'Error' },
            ],
        '',
        (v) => this.setFilter({ outcome: v }),
      ),
      textfield('failures-user', 'User', 'user id', (v) => this.setFilter({ user: v.trim() })),
      textfield('failures-search', 'Search', 'case, answer, reason…', (v) => this.setFilter({ search: v })),
      select(
        'failures-sort',
        'Sort',
        [
          { value: 'error-desc', label: 'Largest error first' },
          { value: 'error-asc', label: 'Smallest error first' },
          { value: 'case', label: 'Case id' },
          { value: 'variant', label: 'Variant' },
        ],
        'error-desc',
        (v) => this.setFilter({ sort: v as SortKey }),
      ),
      this.count,
      h(
        'span',
        { class: 'toolbar-end' },
        button('failures-export-csv', 'CSV', 'export', () => this.export('csv')),
        button('failures-export-json', 'JSON', 'json', () => this.export('json')),
      ),
    );
    this.header = h('div', { class: 'vt-row vt-header', role: 'row', 'aria-rowindex': 1 });
    this.spacer = h('div', { class: 'vt-spacer' });
    this.scroller = h(
      'div',
      {
        class: 'vt-scroll',
        id: 'failures-grid',
        role: 'grid',
        tabindex: 0,
        'aria-label': `${changes ? 'Changed cases' : 'Failed predictions'}; arrow keys move, Enter opens the case`,
        'aria-rowcount': 1,
      },
      this.header,
      this.spacer,
    );
    this.element = h(
      'section',
      { class: 'failures', 'aria-label': 'Failed predictions' },
      this.filterBar,
      this.scroller,
    );
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('click', (e) => {
      const row = (e.target as Element).closest<HTMLElement>('.vt-row[data-index]');
      if (!row) return;
      this.setActive(Number(row.dataset.index));
      this.openActive();
    });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /** Sets the variants offered by the filter (in the order of the metrics table). */
  setVariants(variants: string[]): void {
    if (variants.join('\u0000') === this.variants.join('\u0000')) return;
    this.variants = variants;
    const options: Option[] = [
      { value: '', label: 'All variants' },
      ...variants.map((v) => ({ value: v, label: v })),
    ];
    const next = select('failures-variant', 'Variant', options, this.variant, (v) =>
      this.setFilter({ variant: v }),
    );
    this.variantSlot.replaceWith(next);
    this.variantSlot = next;
  }

  setRows(rows: FailureRow[], reset: boolean, page?: FailuresBatch['page']): void {
    if (page) {
      // The host's first page of a query (on opening, after a live update).
      this.seq++;
      this.paged = { total: page.total, all: page.all, loading: false };
    } else if (reset) this.paged = undefined;
    if (reset || page) this.all = rows.slice();
    else for (const r of rows) this.all.push(r);
    this.columns = this.opts.kind === 'changes' ? CHANGE_COLUMNS : columnsFor(this.all);
    this.renderHeader();
    this.apply();
    this.opts.onRendered?.(this.view.length);
    // The filters were set before the page came (e.g. "show this variant's failures"): ask for theirs.
    if (page && JSON.stringify(this.query()) !== JSON.stringify(page.query)) void this.fetch(0);
  }

  /** Rows currently shown (after filters and sort; a big run: the pages loaded so far). */
  get visibleRows(): readonly FailureRow[] {
    return this.view;
  }

  setFilter(f: { variant?: string; outcome?: string; user?: string; search?: string; sort?: SortKey }): void {
    if (f.variant !== undefined) this.variant = f.variant;
    if (f.outcome !== undefined) this.outcome = f.outcome;
    if (f.user !== undefined) this.user = f.user;
    if (f.search !== undefined) this.search = f.search.trim().toLowerCase();
    if (f.sort !== undefined) this.sort = f.sort;
    if (!this.paged) return this.apply();
    // A big run: ask the host, once the typing stops.
    clearTimeout(this.queryTimer);
    this.count.textContent = `Filtering ${this.paged.all.toLocaleString('en-US')} ${this.noun}…`;
    this.queryTimer = window.setTimeout(() => void this.fetch(0), QUERY_DEBOUNCE_MS);
  }

  private query(): FailureQuery {
    return {
      variant: this.variant,
      outcome: this.outcome as FailureQuery['outcome'],
      user: this.user,
      search: this.search,
      sort: this.sort,
    };
  }

  /** A big run: a page from the host; offset 0 replaces the rows (a new query), else appends the next page. */
  private async fetch(offset: number): Promise<void> {
    const paged = this.paged;
    if (!paged || !this.opts.fetchPage) return;
    const seq = offset === 0 ? ++this.seq : this.seq;
    paged.loading = true;
    try {
      const page = await this.opts.fetchPage(this.query(), offset, PAGE_ROWS);
      if (seq !== this.seq || this.paged !== paged) return; // a newer query (or a reset) won
      paged.total = page.total;
      paged.all = page.all;
      if (offset === 0) {
        this.all = page.rows;
        this.scroller.scrollTop = 0;
      } else for (const r of page.rows) this.all.push(r);
      this.columns = columnsFor(this.all);
      this.renderHeader();
      this.apply();
      this.opts.onRendered?.(this.view.length);
    } catch (e) {
      if (seq === this.seq) this.opts.onError?.((e as Error).message);
    } finally {
      if (seq === this.seq) paged.loading = false;
    }
  }

  private text(r: FailureRow): string {
    let s = this.haystack.get(r);
    if (s === undefined) {
      s = failureSearchText(r);
      this.haystack.set(r, s);
    }
    return s;
  }

  private apply(): void {
    if (this.paged) {
      // The host filtered and sorted: show what has arrived, and say how much there is.
      const { total, all } = this.paged;
      this.view = this.all;
      this.layoutRows();
      const n = (x: number) => x.toLocaleString('en-US');
      const of = total === all ? '' : ` (filtered from ${n(all)})`;
      this.count.textContent = total
        ? `showing 1–${n(this.view.length)} of ${n(total)} ${this.noun}${of}`
        : `0 of ${n(all)} ${this.noun}`;
      this.paint(true);
      return;
    }
    const { variant, outcome, user, search } = this;
    const out: FailureRow[] = [];
    for (const r of this.all) {
      if (variant && r.variant !== variant) continue;
      if (outcome && r.outcome !== outcome) continue;
      if (user && r.user !== user) continue;
      if (search && !this.text(r).includes(search)) continue;
      out.push(r);
    }
    const byCase = (a: FailureRow, b: FailureRow) =>
      a.caseId < b.caseId
        ? -1
        : a.caseId > b.caseId
          ? 1
          : a.variant < b.variant
            ? -1
            : a.variant > b.variant
              ? 1
              : a.sample - b.sample;
    const byError = (a: FailureRow, b: FailureRow) =>
      OUTCOME_RANK[a.outcome] - OUTCOME_RANK[b.outcome] || b.error - a.error || byCase(a, b);
    switch (this.sort) {
      case 'error-desc':
        out.sort(byError);
        break;
      case 'error-asc':
        out.sort(
          (a, b) => OUTCOME_RANK[b.outcome] - OUTCOME_RANK[a.outcome] || a.error - b.error || byCase(a, b),
        );
        break;
      case 'case':
        out.sort(byCase);
        break;
      case 'variant':
        out.sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : byError(a, b)));
        break;
    }
    this.view = out;
    this.layoutRows();
    this.count.textContent =
      out.length === this.all.length
        ? `${out.length.toLocaleString('en-US')} ${this.noun}`
        : `${out.length.toLocaleString('en-US')} of ${this.all.length.toLocaleString('en-US')} ${this.noun}`;
    this.paint(true);
  }

  private layoutRows(): void {
    const n = this.view.length;
    this.active = n ? Math.min(Math.max(this.active, 0), n - 1) : -1;
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    this.scroller.setAttribute('aria-rowcount', String((this.paged?.total ?? n) + 1));
  }

  private renderHeader(): void {
    replace(
      this.header,
      ...this.columns.map((c) => h('div', { class: `vt-cell ${c.cls}`, role: 'columnheader' }, c.label)),
    );
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint(false);
    });
  }

  /** Shows rows [first, last) of the filtered view, reusing row elements; `force` rewrites their text. */
  private paint(force: boolean): void {
    const top = Math.max(0, this.scroller.scrollTop - ROW_HEIGHT);
    const height = this.scroller.clientHeight || 480;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.view.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const need = last - first;
    // A big run: near the end of what has arrived, ask for the next page.
    const paged = this.paged;
    if (paged && !paged.loading && last >= this.view.length - OVERSCAN && this.view.length < paged.total)
      void this.fetch(this.view.length);
    while (this.pool.length < need) {
      const row = h('div', { class: 'vt-row', role: 'row' });
      this.pool.push(row);
      this.spacer.appendChild(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const el = this.pool[i];
      const index = first + i;
      if (i >= need) {
        el.hidden = true;
        el.removeAttribute('data-index');
        continue;
      }
      el.hidden = false;
      if (!force && el.dataset.index === String(index)) continue;
      this.fill(el, this.view[index], index);
    }
  }

  private fill(el: HTMLElement, r: FailureRow, index: number): void {
    el.dataset.index = String(index);
    el.id = `failure-row-${index}`;
    el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    el.setAttribute('aria-rowindex', String(index + 2));
    el.setAttribute('aria-selected', index === this.active ? 'true' : 'false');
    el.classList.toggle('active', index === this.active);
    el.dataset.outcome = r.outcome;
    let cells = el.children;
    if (cells.length !== this.columns.length) {
      replace(el, ...this.columns.map((c) => h('div', { class: `vt-cell ${c.cls}`, role: 'gridcell' })));
      cells = el.children;
    }
    for (let c = 0; c < this.columns.length; c++) {
      const text = this.columns[c].text(r);
      const cell = cells[c] as HTMLElement;
      cell.textContent = text; // text, never markup
      cell.title = text;
    }
  }

  private setActive(index: number): void {
    if (!this.view.length) return;
    this.active = Math.max(0, Math.min(this.view.length - 1, index));
    // Row i sits below the sticky header: content offset (i + 1) × ROW_HEIGHT.
    const rowTop = (this.active + 1) * ROW_HEIGHT;
    const { scrollTop, clientHeight } = this.scroller;
    if (rowTop < scrollTop + ROW_HEIGHT) this.scroller.scrollTop = rowTop - ROW_HEIGHT;
    else if (rowTop + ROW_HEIGHT > scrollTop + clientHeight)
      this.scroller.scrollTop = rowTop + ROW_HEIGHT - clientHeight;
    this.paint(true);
    this.scroller.setAttribute('aria-activedescendant', `failure-row-${this.active}`);
  }

  private openActive(): void {
    const r = this.view[this.active];
    if (r) this.opts.onOpen(r);
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity,
    };
    if (e.key in moves) {
      e.preventDefault();
      const d = moves[e.key];
      this.setActive(
        d === -Infinity ? 0 : d === Infinity ? this.view.length - 1 : Math.max(this.active, 0) + d,
      );
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.openActive();
    }
  }

  private export(format: 'csv' | 'json'): void {
    if (this.paged && this.opts.onExportQuery) return this.opts.onExportQuery(format, this.query());
    const cols = FAILURE_EXPORT_COLUMNS;
    this.opts.onExport(
      format,
      cols.map((c) => c.key),
      this.view.map((r) => cols.map((c) => c.value(r))),
    );
  }
}

function columnsFor(rows: FailureRow[]): Column[] {
  const cols: Column[] = [
    { key: 'variant', label: 'Variant', cls: 'c-variant', text: (r) => r.variant },
    {
      key: 'case',
      label: 'Case',
      cls: 'c-case',
      text: (r) => (r.sample > 0 ? `${r.caseId} #${r.sample}` : r.caseId),
    },
    { key: 'user', label: 'User', cls: 'c-user', text: (r) => r.user },
    { key: 'outcome', label: 'Outcome', cls: 'c-outcome', text: (r) => r.outcome },
  ];
  // The size of an error says something only where it varies (a wrong choice is simply wrong).
  if (rows.some((r) => r.outcome === 'wrong' && r.error !== 1))
    cols.push({
      key: 'error',
      label: 'Error',
      cls: 'c-error num',
      text: (r) => (r.outcome === 'wrong' ? fmt(r.error, 2) : ''),
    });
  if (rows.some((r) => r.title))
    cols.push({ key: 'title', label: 'Item', cls: 'c-title', text: (r) => r.title });
  cols.push(
    { key: 'expected', label: 'Expected', cls: 'c-expected', text: (r) => r.expected },
    { key: 'predicted', label: 'Predicted', cls: 'c-predicted', text: (r) => r.predicted },
  );
  if (rows.some((r) => r.reason))
    cols.push({ key: 'reason', label: 'Reason', cls: 'c-reason', text: (r) => r.reason });
  cols.push({ key: 'answer', label: 'Answer', cls: 'c-answer', text: (r) => r.answer.replace(/\s+/g, ' ') });
  return cols;
}

/** Compare mode: A's and B's answers and outcomes of the cases that changed. */
const CHANGE_COLUMNS: Column[] = [
  { key: 'variant', label: 'Variant', cls: 'c-variant', text: (r) => r.variant },
  {
    key: 'case',
    label: 'Case',
    cls: 'c-case',
    text: (r) => (r.sample > 0 ? `${r.caseId} #${r.sample}` : r.caseId),
  },
  { key: 'user', label: 'User', cls: 'c-user', text: (r) => r.user },
  { key: 'outcome', label: 'Change', cls: 'c-outcome', text: (r) => r.outcome },
  { key: 'expected', label: 'A answered', cls: 'c-answer', text: (r) => r.expected },
  { key: 'predicted', label: 'B answered', cls: 'c-answer', text: (r) => r.predicted },
  { key: 'reason', label: 'Outcomes (A → B)', cls: 'c-reason', text: (r) => r.reason },
];
