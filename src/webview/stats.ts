// Browser side of the dataset statistics panel.
import { WebviewChannel } from './lib/channel';
import { h, replace } from './lib/dom';
import type { StatsPanelProtocol, StatsView } from '../protocol/statsPanel';
import './stats.css';

const app = document.getElementById('app')!;
const channel = new WebviewChannel<StatsPanelProtocol>();

/** A proportional bar; its width is set through CSSOM, which the CSP allows (style attributes it does not). */
function bar(share: number): HTMLElement {
  const el = h('span', { class: 'bar', 'aria-hidden': 'true' });
  el.style.width = `${Math.round(120 * share)}px`;
  return el;
}

function render(view: StatsView): void {
  const maxCount = Math.max(1, ...view.histogram.map((b) => b.count));
  replace(
    app,
    h('h1', {}, view.title),
    h('div', { class: 'path' }, `${view.format} · ${view.path} · loaded in ${view.loadMs} ms`),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { 'aria-label': 'Summary' },
        h('h2', {}, 'Summary'),
        h(
          'table',
          { id: 'summary' },
          ...view.rows.map((r) =>
            h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', { class: 'num' }, r.value)),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-label': 'Value histogram' },
        h('h2', {}, 'Values'),
        h(
          'table',
          { id: 'histogram' },
          ...view.histogram.map((b) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, b.label),
              h('td', { class: 'num' }, b.count.toLocaleString('en-US')),
              h('td', {}, bar(b.count / maxCount)),
            ),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-label': 'Most popular items' },
        h('h2', {}, 'Most popular'),
        h(
          'table',
          { id: 'popular' },
          ...view.popular.map((p) => h('tr', {}, h('td', {}, p.title), h('td', { class: 'num' }, p.count))),
        ),
      ),
    ),
  );
  app.setAttribute('aria-busy', 'false');
  channel.notify('rendered', { at: Date.now(), rows: view.rows.length });
}

channel
  .on('show', render)
  .on('error', ({ message }) => {
    replace(app, h('p', { class: 'error', role: 'alert' }, message));
    app.setAttribute('aria-busy', 'false');
  })
  .ready();
