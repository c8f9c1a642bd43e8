// The failed-predictions table: every wrong, invalid or errored case, filtered (variant, outcome, user, search),
// sorted by the size of the error, and VIRTUALISED: a fixed row height in a scroll container, only the rows in
// view (plus a small margin) exist in the DOM, recycled as the user scrolls, so 100,000 rows scroll smoothly.
// A big run's table is PAGED: the host filters and sorts (its model holds no rows); the table is as tall as every
// failure the query picks and asks for the rows that come into view (placeholders until they arrive).
// A live run never moves the view: new rows are sorted in around the first row in view, which stays where it
// is (unless the view is at the top, which stays the top); the user's filters, order and selected row are kept.
// Only the user's own action (a new filter or order) scrolls back to the top.
// Every cell is set through textContent: answers and titles are untrusted text.
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
/**
 * Rows a big run's table scrolls through (26 px each stays under the browsers' ~33.5 million pixel limit on an
 * element's height); a filter narrows a longer list.
 */
export const MAX_SCROLL_ROWS = 1_000_000;
/** Quiet time after typing in a filter before a big run's host is asked again. */
const QUERY_DEBOUNCE_MS = 250;

type SortKey = FailureSort;

/**
 * How readily a column gives way in a narrow panel (results.css hides `p3` below 860 px and `p2` below 640 px,
 * with `display: none`, so a hidden cell is neither seen, focused nor read): 1 = always shown (the outcome, the
 * item, the reason, the answer), 2 and 3 = moved out to the case view (and the outcome cell's tooltip).
 */
type Priority = 1 | 2 | 3;

interface Column {
  key: string;
  label: string;
  cls: string;
  priority: Priority;
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
  /**
   * A big run: asks the host for rows [offset, offset + limit) of a query's failures. With `anchor` (a live
   * update), the host moves the window by how far that row moved and says where it is now.
   */
  fetchPage?: (
    query: FailureQuery,
    offset: number,
    limit: number,
    anchor?: { ref: number; index: number },
  ) => Promise<FailuresPage>;
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
  /**
   * Set while the rows are pages of a big run's failures (the host filters and sorts): the rows that arrived by
   * their index in the query's order, and the offsets asked for and not yet answered.
   */
  private paged?: { total: number; all: number; rows: Map<number, FailureRow>; loading: Set<number> };
  /** The selected row's unit (kept across live updates, whose rows move). */
  private activeKey = '';
  /** Bumped by every new query and live update: answers to older requests are dropped. */
  private seq = 0;
  private queryTimer = 0;

  constructor(private readonly opts: FailuresOptions) {
    const changes = opts.kind === 'changes';
    this.noun = changes ? 'changed cases' : 'failures';
    this.count = h('span', { class: 'count', id: 'failures-count', 'aria-live': 'polite' });
    this.variantSlot = h('span', { 'data-control': 'failures-variant' });
    this.filterBar = h(
      'div',
      { class: 'toolbar filters', role: 'toolbar', 'aria-label': 'Filter failures' },
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
      // The host's first page of a query (on opening, after a restarted results file).
      this.seq++;
      this.paged = { total: page.total, all: page.all, rows: new Map(), loading: new Set() };
      rows.forEach((r, i) => this.paged!.rows.set(i, r));
      this.scroller.scrollTop = 0;
      this.columns = columnsFor(rows);
      this.renderHeader();
      this.apply();
      this.opts.onRendered?.(this.length());
      // The filters were set before the page came (e.g. "show this variant's failures"): ask for theirs.
      if (JSON.stringify(this.query()) !== JSON.stringify(page.query)) void this.fetchQuery();
      return;
    }
    // A small run: the rows themselves; a live update appends (or, after a rewrite, replaces) them.
    const anchor = this.anchor();
    if (reset) this.paged = undefined;
    if (reset) this.all = rows.slice();
    else for (const r of rows) this.all.push(r);
    this.columns = this.opts.kind === 'changes' ? CHANGE_COLUMNS : columnsFor(this.all);
    this.renderHeader();
    this.apply(anchor);
    this.opts.onRendered?.(this.view.length);
  }

  /**
   * A live run's failures changed (`all`: how many it has now). A big run's table asks the host again for the
   * rows around the first row in view, which stays where it is; a small run's rows come as rows (setRows).
   */
  changed(all: number): void {
    if (this.opts.kind === 'changes' || !this.opts.fetchPage) return;
    // A small run that just became big pages from here on: the same anchor, now in the host's order.
    void this.fetchLive(all);
  }

  /** Every failure of the run (a big run: not only the rows that arrived). */
  get failureCount(): number {
    return this.paged ? this.paged.all : this.all.length;
  }

  /** Rows in the table (a big run: every failure the query picks, up to MAX_SCROLL_ROWS). */
  private length(): number {
    return this.paged ? Math.min(this.paged.total, MAX_SCROLL_ROWS) : this.view.length;
  }

  /** Row `i` of the table, or undefined while a big run's row has not arrived. */
  private rowAt(i: number): FailureRow | undefined {
    return this.paged ? this.paged.rows.get(i) : this.view[i];
  }

  /**
   * The first row in view (below the sticky header) and how far into it the view is scrolled; undefined at the
   * top, which stays the top when rows are added above.
   */
  private anchor(): { index: number; row: FailureRow; px: number } | undefined {
    const top = this.scroller.scrollTop;
    if (top <= 0) return undefined;
    const index = Math.min(Math.floor(top / ROW_HEIGHT), this.length() - 1);
    const row = this.rowAt(index);
    return row ? { index, row, px: top - index * ROW_HEIGHT } : undefined;
  }

  setFilter(f: { variant?: string; outcome?: string; user?: string; search?: string; sort?: SortKey }): void {
    if (f.variant !== undefined) this.variant = f.variant;
    if (f.outcome !== undefined) this.outcome = f.outcome;
    if (f.user !== undefined) this.user = f.user;
    if (f.search !== undefined) this.search = f.search.trim().toLowerCase();
    if (f.sort !== undefined) this.sort = f.sort;
    if (!this.paged) {
      // The user's own action: the new list from its top (as a big run's new query).
      this.scroller.scrollTop = 0;
      return this.apply();
    }
    // A big run: ask the host, once the typing stops.
    clearTimeout(this.queryTimer);
    this.count.textContent = `Filtering ${this.paged.all.toLocaleString('en-US')} ${this.noun}…`;
    this.queryTimer = window.setTimeout(() => void this.fetchQuery(), QUERY_DEBOUNCE_MS);
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

  /** A big run, the user's new filter or order: its first page, from the top. */
  private async fetchQuery(): Promise<void> {
    const paged = this.paged;
    if (!paged || !this.opts.fetchPage) return;
    const seq = ++this.seq;
    try {
      const page = await this.opts.fetchPage(this.query(), 0, PAGE_ROWS);
      if (seq !== this.seq) return; // a newer query (or a live update) won
      this.takePage(page, new Map(), true);
      this.scroller.scrollTop = 0;
      this.active = -1;
      this.activeKey = '';
      this.apply();
      this.opts.onRendered?.(this.length());
    } catch (e) {
      if (seq === this.seq) this.opts.onError?.((e as Error).message);
    }
  }

  /** A big run: rows from `offset` that came into view. */
  private async fetchMore(offset: number): Promise<void> {
    const paged = this.paged;
    if (!paged || !this.opts.fetchPage || paged.loading.has(offset)) return;
    const seq = this.seq;
    paged.loading.add(offset);
    try {
      const page = await this.opts.fetchPage(this.query(), offset, PAGE_ROWS);
      if (seq !== this.seq || this.paged !== paged) return;
      this.takePage(page, paged.rows);
      this.apply();
      this.opts.onRendered?.(this.length());
    } catch (e) {
      if (seq === this.seq) this.opts.onError?.((e as Error).message);
    } finally {
      paged.loading.delete(offset);
    }
  }

  /**
   * A live update: the rows around the first row in view, asked for with that row as the anchor; the view then
   * moves by as many rows as the anchor moved, so what the user looks at stays put. Rows shown meanwhile are
   * the old ones (no flicker); the rest of the table is asked for as it comes into view.
   */
  private async fetchLive(all: number): Promise<void> {
    if (!this.opts.fetchPage) return;
    const seq = ++this.seq;
    const anchor = this.anchor();
    const active = this.activeKey;
    const offset = anchor ? Math.max(0, anchor.index - OVERSCAN) : 0;
    try {
      const page = await this.opts.fetchPage(
        this.query(),
        offset,
        PAGE_ROWS,
        anchor ? { ref: anchor.row.ref, index: anchor.index } : undefined,
      );
      if (seq !== this.seq) return;
      if (!this.paged) this.all = [];
      this.takePage({ ...page, all: Math.max(page.all, all) }, new Map());
      const moved = anchor && page.anchor !== undefined && page.anchor >= 0 ? page.anchor - anchor.index : 0;
      this.apply();
      if (anchor) this.scroller.scrollTop = (anchor.index + moved) * ROW_HEIGHT + anchor.px;
      // The selected row: where it arrived, else moved with the anchor (its rows moved alike).
      let selected = -1;
      if (active) for (const [i, r] of this.paged!.rows) if (unitKey(r) === active) selected = i;
      if (active && this.active >= 0) this.active = selected >= 0 ? selected : this.active + moved;
      this.paint(true);
      this.opts.onRendered?.(this.length());
    } catch (e) {
      if (seq === this.seq) this.opts.onError?.((e as Error).message);
    }
  }

  /**
   * Stores a page's rows (into `rows`: the current map, or a new one that replaces it). The optional columns only
   * grow while the query stays (a live update holds only the rows around the view: a column must not come and
   * go as rows are dropped and fetched again); a new query starts them afresh.
   */
  private takePage(page: FailuresPage, rows: Map<number, FailureRow>, newQuery = false): void {
    page.rows.forEach((r, i) => rows.set(page.offset + i, r));
    const loading = this.paged && this.paged.rows === rows ? this.paged.loading : new Set<number>();
    this.paged = { total: page.total, all: page.all, rows, loading };
    const columns = columnsFor([...rows.values()], newQuery ? [] : this.columns);
    if (columns.map((c) => c.key).join() !== this.columns.map((c) => c.key).join()) {
      this.columns = columns;
      this.renderHeader();
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

  /** Filters and sorts (a small run) and repaints; `anchor`: the row to keep in place (a live update). */
  private apply(anchor?: { row: FailureRow; px: number }): void {
    const n = (x: number) => x.toLocaleString('en-US');
    if (this.paged) {
      // The host filtered and sorted: the table is as tall as the query's failures; say how many there are.
      const { total, all } = this.paged;
      this.layoutRows();
      const cut =
        total > MAX_SCROLL_ROWS ? `; the first ${n(MAX_SCROLL_ROWS)} listed, filter for the rest` : '';
      this.count.textContent =
        (total === all ? `${n(total)} ${this.noun}` : `${n(total)} of ${n(all)} ${this.noun}`) + cut;
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
    // The selected row and the row in view are units: find them again where the new order put them.
    if (this.activeKey) this.active = out.findIndex((r) => unitKey(r) === this.activeKey);
    this.layoutRows();
    if (anchor) {
      const key = unitKey(anchor.row);
      const at = out.findIndex((r) => unitKey(r) === key);
      if (at >= 0) this.scroller.scrollTop = at * ROW_HEIGHT + anchor.px;
    }
    this.count.textContent =
      out.length === this.all.length
        ? `${n(out.length)} ${this.noun}`
        : `${n(out.length)} of ${n(this.all.length)} ${this.noun}`;
    this.paint(true);
  }

  private layoutRows(): void {
    const n = this.length();
    this.active = n ? Math.min(this.active, n - 1) : -1;
    if (this.active < 0) this.activeKey = '';
    this.spacer.style.height = `${n * ROW_HEIGHT}px`;
    this.scroller.setAttribute('aria-rowcount', String((this.paged?.total ?? n) + 1));
  }

  private renderHeader(): void {
    replace(
      this.header,
      ...this.columns.map((c) =>
        h('div', { class: cellClass(c), role: 'columnheader', title: c.label }, c.label),
      ),
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
    const length = this.length();
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const need = last - first;
    // A big run: ask for the rows in view that have not arrived (from the first missing one).
    const paged = this.paged;
    if (paged) {
      for (let i = first; i < last; i++) {
        if (paged.rows.has(i)) continue;
        if (![...paged.loading].some((o) => i >= o && i < o + PAGE_ROWS)) void this.fetchMore(i);
        break;
      }
    }
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
      const r = this.rowAt(index);
      if (!force && el.dataset.index === String(index) && (r !== undefined) === !el.dataset.pending) continue;
      this.fill(el, r, index);
    }
  }

  /** Writes row `index` into a pooled element (`r` undefined: a big run's row still on its way). */
  private fill(el: HTMLElement, r: FailureRow | undefined, index: number): void {
    el.dataset.index = String(index);
    el.id = `failure-row-${index}`;
    el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    el.setAttribute('aria-rowindex', String(index + 2));
    el.setAttribute('aria-selected', index === this.active ? 'true' : 'false');
    el.classList.toggle('active', index === this.active);
    let cells = el.children;
    if (cells.length !== this.columns.length) {
      replace(el, ...this.columns.map((c) => h('div', { class: cellClass(c), role: 'gridcell' })));
      cells = el.children;
    }
    if (!r) {
      el.dataset.pending = 'true';
      el.removeAttribute('data-outcome');
      el.setAttribute('aria-busy', 'true');
      for (let c = 0; c < cells.length; c++) {
        // In the outcome column: shown at every width.
        (cells[c] as HTMLElement).textContent = this.columns[c].key === 'outcome' ? 'loading…' : '';
        (cells[c] as HTMLElement).title = '';
      }
      return;
    }
    delete el.dataset.pending;
    el.removeAttribute('aria-busy');
    el.dataset.outcome = r.outcome;
    const texts = this.columns.map((c) => c.text(r));
    for (let c = 0; c < this.columns.length; c++) {
      const cell = cells[c] as HTMLElement;
      cell.textContent = texts[c]; // text, never markup
      cell.title = texts[c];
    }
    // The outcome's tooltip gives the whole row: in a narrow panel the other columns give way.
    const outcome = this.columns.findIndex((c) => c.key === 'outcome');
    if (outcome >= 0)
      (cells[outcome] as HTMLElement).title = [
        texts[outcome],
        ...this.columns.map((c, i) => (i !== outcome && texts[i] ? `${c.label}: ${texts[i]}` : '')),
      ]
        .filter(Boolean)
        .join('\n');
  }

  private setActive(index: number): void {
    const n = this.length();
    if (!n) return;
    this.active = Math.max(0, Math.min(n - 1, index));
    const r = this.rowAt(this.active);
    this.activeKey = r ? unitKey(r) : '';
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
    const r = this.rowAt(this.active);
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
      this.setActive(d === -Infinity ? 0 : d === Infinity ? this.length() - 1 : Math.max(this.active, 0) + d);
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

/** A row's unit: the same across live updates (refs of a rewritten file are not). */
function unitKey(r: FailureRow): string {
  return `${r.variant}\u0000${r.caseId}\u0000${r.sample}`;
}

function cellClass(c: Column): string {
  return `vt-cell ${c.cls} p${c.priority}`;
}

function caseText(r: FailureRow): string {
  return r.sample > 0 ? `${r.caseId} #${r.sample}` : r.caseId;
}

/** The table's columns for these rows; the optional ones in `keep` stay even when no row needs them. */
function columnsFor(rows: FailureRow[], keep: readonly Column[] = []): Column[] {
  const kept = (key: string) => keep.some((c) => c.key === key);
  const cols: Column[] = [
    { key: 'variant', label: 'Variant', cls: 'c-variant', priority: 2, text: (r) => r.variant },
    { key: 'case', label: 'Case', cls: 'c-case', priority: 3, text: caseText },
    { key: 'user', label: 'User', cls: 'c-user', priority: 3, text: (r) => r.user },
    { key: 'outcome', label: 'Outcome', cls: 'c-outcome', priority: 1, text: (r) => r.outcome },
  ];
  // The size of an error says something only where it varies (a wrong choice is simply wrong).
  if (kept('error') || rows.some((r) => r.outcome === 'wrong' && r.error !== 1))
    cols.push({
      key: 'error',
      label: 'Error',
      cls: 'c-error num',
      priority: 2,
      text: (r) => (r.outcome === 'wrong' ? fmt(r.error, 2) : ''),
    });
  // Without an item title, expected and predicted are what tells a row apart: they stay in a narrow panel.
  const titled = kept('title') || rows.some((r) => r.title);
  if (titled) cols.push({ key: 'title', label: 'Item', cls: 'c-title', priority: 1, text: (r) => r.title });
  cols.push(
    {
      key: 'expected',
      label: 'Expected',
      cls: 'c-expected',
      priority: titled ? 2 : 1,
      text: (r) => r.expected,
    },
    {
      key: 'predicted',
      label: 'Predicted',
      cls: 'c-predicted',
      priority: titled ? 2 : 1,
      text: (r) => r.predicted,
    },
  );
  if (kept('reason') || rows.some((r) => r.reason))
    cols.push({ key: 'reason', label: 'Reason', cls: 'c-reason', priority: 1, text: (r) => r.reason });
  cols.push({
    key: 'answer',
    label: 'Answer',
    cls: 'c-answer',
    priority: 1,
    text: (r) => r.answer.replace(/\s+/g, ' '),
  });
  return cols;
}

/** Compare mode: A's and B's answers and outcomes of the cases that changed (those stay in a narrow panel). */
const CHANGE_COLUMNS: Column[] = [
  { key: 'variant', label: 'Variant', cls: 'c-variant', priority: 2, text: (r) => r.variant },
  { key: 'case', label: 'Case', cls: 'c-case', priority: 3, text: caseText },
  { key: 'user', label: 'User', cls: 'c-user', priority: 3, text: (r) => r.user },
  { key: 'outcome', label: 'Change', cls: 'c-outcome', priority: 1, text: (r) => r.outcome },
  { key: 'expected', label: 'A answered', cls: 'c-answer', priority: 1, text: (r) => r.expected },
  { key: 'predicted', label: 'B answered', cls: 'c-answer', priority: 1, text: (r) => r.predicted },
  { key: 'reason', label: 'Outcomes (A → B)', cls: 'c-reason', priority: 1, text: (r) => r.reason },
];
