// Browser side of the prompt preview: the rendered messages of one case, by role, with token counts and cost;
// problems in place of the output, each linked to its line. Updated in place (the scroll position is kept).
import { WebviewChannel } from './lib/channel';
import { h, replace } from './lib/dom';
import type { PreviewView, PromptPreviewProtocol } from '../protocol/promptPreview';
import './promptPreview.css';

const app = document.getElementById('app')!;
const channel = new WebviewChannel<PromptPreviewProtocol>();
const usd = (x: number | null) =>
  x === null ? 'unknown (no price)' : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(2)}`;

function header(view: PreviewView): HTMLElement {
  const jump = h('input', {
    type: 'text',
    placeholder: 'case id',
    'aria-label': 'Jump to case id',
    id: 'case-jump',
  });
  jump.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && jump.value.trim()) channel.notify('navigate', { caseId: jump.value.trim() });
  });
  const prev = h('button', { id: 'prev', 'aria-label': 'Previous case' }, '‹ Prev');
  const next = h('button', { id: 'next', 'aria-label': 'Next case' }, 'Next ›');
  prev.addEventListener('click', () => channel.notify('navigate', { delta: -1 }));
  next.addEventListener('click', () => channel.notify('navigate', { delta: 1 }));
  return h(
    'header',
    {},
    h(
      'div',
      { class: 'nav' },
      prev,
      h('span', { id: 'position' }, `case ${view.caseIndex + 1} of ${view.caseCount}`),
      next,
      jump,
    ),
    h(
      'div',
      { class: 'meta', id: 'case-meta' },
      `${view.caseId} · user ${view.user} · expected ${view.expected} · ${view.source}`,
    ),
  );
}

const OUTCOME_ICON = { right: 'pass', wrong: 'close', invalid: 'warning', error: 'error' } as const;

/** What each model answered for this case in the latest runs of configs using this template. */
function answers(view: PreviewView): HTMLElement {
  return h(
    'section',
    { class: 'answers', id: 'answers', 'aria-label': 'Answers in the latest runs' },
    h('h2', {}, 'Answers to this case in the latest runs'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ''),
          h('th', {}, 'Variant'),
          h('th', {}, 'Expected'),
          h('th', {}, 'Predicted'),
          h('th', {}, 'Run'),
        ),
      ),
      h(
        'tbody',
        {},
        ...view.answers.map((a) => {
          const open = h('a', { tabindex: 0, role: 'link', title: 'Open the case view' }, a.variant);
          const go = () => channel.notify('openAnswer', a.ref);
          open.addEventListener('click', go);
          open.addEventListener('keydown', (e) => e.key === 'Enter' && go());
          return h(
            'tr',
            { class: `answer outcome-${a.outcome}` },
            h(
              'td',
              {},
              h('span', {
                class: `codicon codicon-${OUTCOME_ICON[a.outcome]}`,
                role: 'img',
                'aria-label': a.outcome,
              }),
            ),
            h('td', {}, open),
            h('td', {}, h('pre', {}, a.expected)),
            h('td', {}, h('pre', {}, a.predicted)),
            h('td', { class: 'dim' }, `${a.runId} · ${a.when}`),
          );
        }),
      ),
    ),
  );
}

function render(view: PreviewView): void {
  const body: Node[] = [];
  if (view.messages) {
    for (const m of view.messages) {
      body.push(
        h(
          'section',
          { class: `message role-${m.role}`, 'aria-label': `${m.role} message` },
          h(
            'div',
            { class: 'role' },
            h('span', {}, m.role),
            h('span', { class: 'tokens' }, `${m.tokens} tokens`),
          ),
          h('pre', {}, m.content),
        ),
      );
    }
    body.push(
      h(
        'div',
        { class: 'totals', id: 'totals' },
        `${view.totalTokens} prompt tokens (${view.tokenizer}) · one case ${usd(view.costPerCase)} · whole eval ${usd(view.costEval)} at ${view.model}'s prices`,
      ),
    );
  }
  if (view.answers.length) body.push(answers(view));
  if (view.problems.length) {
    const list = h('ul', { class: 'problems', id: 'problems', role: 'alert' });
    for (const p of view.problems) {
      const link = h('a', { tabindex: 0, role: 'link' }, `line ${p.line + 1}, column ${p.character + 1}`);
      const open = () => channel.notify('openProblem', { line: p.line, character: p.character });
      link.addEventListener('click', open);
      link.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      list.appendChild(h('li', { class: `severity-${p.severity}` }, link, `: ${p.message}`));
    }
    body.unshift(list);
  }
  const scroll = window.scrollY;
  replace(app, header(view), h('main', { id: 'messages' }, ...body));
  window.scrollTo(0, scroll);
  app.setAttribute('aria-busy', 'false');
  channel.notify('rendered', { seq: view.seq, at: Date.now(), editAt: view.editAt });
}

channel
  .on('render', render)
  .on('failed', ({ message }) => replace(app, h('p', { class: 'severity-error', role: 'alert' }, message)))
  .ready();
