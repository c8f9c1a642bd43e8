// Browser side of the case view: one case rendered read-only. Every model-written string (messages, raw answer,
// titles, reasons) is set as text through h(), never as HTML.
import { WebviewChannel } from './lib/channel';
import { h, replace } from './lib/dom';
import type { CaseViewData, CaseViewProtocol } from '../protocol/caseView';
import './caseView.css';

const app = document.getElementById('app')!;
const channel = new WebviewChannel<CaseViewProtocol>();

const icon = (name: string, label?: string): HTMLElement =>
  h('span', {
    class: `codicon codicon-${name}`,
    'aria-hidden': label ? undefined : 'true',
    'aria-label': label,
    role: label ? 'img' : undefined,
  });

function button(
  id: string,
  codicon: string,
  text: string,
  onClick: () => void,
  disabled = false,
): HTMLElement {
  const b = h('button', { id, title: text, disabled }, icon(codicon), h('span', {}, text));
  b.addEventListener('click', onClick);
  return b;
}

function badge(d: CaseViewData): HTMLElement {
  const [cls, codicon, text] =
    d.failure === null
      ? ['ok', 'pass', 'right']
      : d.failure === 'wrong'
        ? ['wrong', 'close', 'wrong']
        : d.failure === 'invalid'
          ? ['invalid', 'warning', 'invalid answer']
          : ['error', 'error', 'request failed'];
  return h('span', { class: `badge ${cls}`, id: 'outcome' }, icon(codicon), text);
}

function section(title: string, id: string, ...children: (Node | string | null)[]): HTMLElement {
  return h('section', { id, 'aria-label': title }, h('h2', {}, title), ...children);
}

function render(d: CaseViewData): void {
  const nav = h(
    'div',
    { class: 'nav' },
    button(
      'prev',
      'chevron-left',
      'Previous failure',
      () => void channel.request('navigate', { delta: -1 }),
      !d.position && d.failure === null,
    ),
    h(
      'span',
      { id: 'position' },
      d.position ? `failure ${d.position.index} of ${d.position.total}` : 'not a failure',
    ),
    button(
      'next',
      'chevron-right',
      'Next failure',
      () => void channel.request('navigate', { delta: 1 }),
      !d.position && d.failure === null,
    ),
    h('span', { class: 'spacer' }),
    button(
      'rerun',
      'refresh',
      'Re-run this case',
      () => void channel.request('action', { action: 'rerun' }),
      d.messages.length === 0,
    ),
    button(
      'preview',
      'open-preview',
      'Open in prompt preview',
      () => void channel.request('action', { action: 'preview' }),
      d.messages.length === 0,
    ),
    button(
      'failures',
      'table',
      'Failures table',
      () => void channel.request('action', { action: 'results' }),
    ),
  );
  const verdict = h(
    'div',
    { class: 'verdict' },
    h(
      'div',
      { class: 'side' },
      h('h3', {}, icon('target'), ' Expected'),
      h('pre', { id: 'expected' }, d.expected),
    ),
    h(
      'div',
      { class: `side ${d.failure ? 'bad' : 'good'}` },
      h('h3', {}, icon(d.failure ? 'close' : 'check'), ' Predicted'),
      h('pre', { id: 'predicted' }, d.predicted ?? '(no valid answer)'),
    ),
  );
  const candidates = d.candidates.length
    ? section(
        'Candidates',
        'candidates',
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
              h('th', {}, 'Label'),
              h('th', {}, 'Title'),
              h('th', {}, 'Genres'),
              h('th', { class: 'num' }, 'Rank given'),
            ),
          ),
          h(
            'tbody',
            {},
            ...d.candidates.map((c) =>
              h(
                'tr',
                {
                  class:
                    [c.expected ? 'expected' : '', c.chosen ? 'chosen' : ''].join(' ').trim() || undefined,
                },
                h(
                  'td',
                  { class: 'marks' },
                  c.expected ? icon('target', 'the true item') : null,
                  c.chosen ? icon(c.expected ? 'check' : 'arrow-left', 'the answer') : null,
                ),
                h('td', {}, c.label),
                h('td', {}, c.title),
                h('td', { class: 'dim' }, c.genres),
                h('td', { class: 'num' }, c.rank === null ? '' : String(c.rank)),
              ),
            ),
          ),
        ),
      )
    : null;
  replace(
    app,
    h(
      'header',
      {},
      h('h1', {}, badge(d), ' ', d.target?.title ?? d.caseId),
      h(
        'div',
        { class: 'meta' },
        `${d.caseId} · ${d.variant}${d.sample ? ` · sample ${d.sample}` : ''} · user ${d.user}`,
      ),
      nav,
    ),
    section(
      'Expected and predicted',
      'verdict',
      verdict,
      d.reason ? h('p', { class: 'reason', id: 'reason' }, icon('info'), ' ', d.reason) : null,
    ),
    candidates,
    section(
      'Score',
      'score',
      h(
        'table',
        { class: 'compact' },
        ...d.score.map((s) =>
          h('tr', {}, h('th', { scope: 'row' }, s.key), h('td', { class: 'num' }, s.value)),
        ),
      ),
    ),
    section(
      'Raw answer',
      'raw',
      h('pre', { class: 'block', id: 'raw-answer' }, d.raw ?? '(none: the request failed)'),
    ),
    section(
      'Messages as sent',
      'messages',
      ...(d.messages.length
        ? d.messages.map((m, i) =>
            h(
              'div',
              { class: 'message' },
              h('div', { class: 'role' }, m.role),
              h('pre', { class: 'block', id: `message-${i}` }, m.content),
            ),
          )
        : [h('p', { class: 'dim' }, 'None: a baseline answers without a prompt.')]),
    ),
    section(
      'Details',
      'facts',
      h(
        'table',
        { class: 'compact' },
        ...d.facts.map((f) => h('tr', {}, h('th', { scope: 'row' }, f.label), h('td', {}, f.value))),
      ),
    ),
  );
  app.setAttribute('aria-busy', 'false');
  window.scrollTo(0, 0);
  channel.notify('rendered', { caseId: d.caseId, variant: d.variant, at: Date.now() });
}

channel
  .on('show', render)
  .on('error', ({ message }) => {
    replace(app, h('p', { class: 'error', role: 'alert' }, message));
    app.setAttribute('aria-busy', 'false');
  })
  .ready();
