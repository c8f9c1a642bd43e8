// The run header: what was evaluated, on what, how big, when, how long and at what cost.
import type { RunHeaderView } from '../../protocol/resultsPanel';
import { h } from '../lib/dom';
import { badge } from './controls';
import { date, duration, int, usd } from './format';

export function runHeader(r: RunHeaderView, live: boolean): HTMLElement {
  const items: [string, string, string][] = [
    ['dataset', 'Dataset', r.dataset],
    ['form', 'Task', `${r.form}${r.probe ? ' (knowledge probe)' : ''}`],
    ['users', 'Users', int(r.users)],
    ['cases', 'Cases', int(r.cases)],
    [
      'variants',
      'Variants',
      `${r.variants} (${r.models.length} model${r.models.length === 1 ? '' : 's'}${r.templates.length > 1 ? `, ${r.templates.length} templates` : ''})`,
    ],
    ['date', 'Date', date(r.startedAt)],
    ['duration', 'Duration', duration(r.durationMs)],
    [
      'tokens',
      'Tokens',
      `${int(r.promptTokens)} in · ${int(r.completionTokens)} out${r.reasoningTokens ? ` (${int(r.reasoningTokens)} reasoning)` : ''}`,
    ],
    ['cost', 'Cost', usd(r.costUsd)],
  ];
  const progress = r.total > 0 && r.done < r.total ? ` · ${int(r.done)} of ${int(r.total)} done` : '';
  return h(
    'header',
    { class: 'run-header', id: 'run-header', 'aria-label': 'Run' },
    h(
      'div',
      { class: 'title-line' },
      h('h1', { id: 'run-name' }, r.name),
      badge(live ? 'running' : r.status),
      h('span', { class: 'run-id', title: r.dir }, `${r.runId}${progress}`),
    ),
    h(
      'dl',
      { class: 'facts' },
      ...items.map(([key, label, value]) =>
        h('div', { class: 'fact', 'data-fact': key }, h('dt', {}, label), h('dd', {}, value)),
      ),
    ),
    r.models.length ? h('p', { class: 'models' }, 'Models: ', r.models.join(', ')) : null,
    r.protocol ? h('p', { class: 'protocol', id: 'run-protocol' }, r.protocol) : null,
  );
}
