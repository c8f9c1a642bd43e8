import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PromptError,
  SAMPLE_INFO,
  buildPromptVariables,
  builtinTemplates,
  parsePromptFile,
  renderPrompt,
  renderVariables,
  sampleCase,
  type PromptRenderInfo,
} from '../../../src/core/prompt';
import { promptEngine } from '../../../src/core/prompt/engine';
import type { TestCase } from '../../../src/core/types';

const LASTFM: PromptRenderInfo = {
  dataset: { name: 'hetrec2011-lastfm-2k', kind: 'implicit', scale: null },
  task: { topShare: 0.25, k: 5 },
};

test('renders one message per section, trimmed, in file order', () => {
  const parsed = parsePromptFile(
    [
      '---',
      'name: t',
      '---',
      'system:',
      'You rate {{ dataset.name }} items.',
      '',
      'user:',
      '{% for h in history limit: 2 %}{{ forloop.index }}. {{ h.title }} = {{ h.value }}',
      '{% endfor %}Rate {{ target.title }} ({{ target.genres | join: "/" }}).',
      'assistant:',
      '{"rating": 4}',
      'user:',
      'And for user {{ user.id }} with {{ user.historyLength }} ratings?',
      '',
    ].join('\n'),
  );
  const messages = renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO);
  assert.deepEqual(messages, [
    { role: 'system', content: 'You rate ml-latest-small items.' },
    {
      role: 'user',
      content:
        '1. Toy Story (1995) = 4\n2. Usual Suspects, The (1995) = 5\n' +
        'Rate Star Wars: Episode V - The Empire Strikes Back (1980) (Action/Adventure/Sci-Fi).',
    },
    { role: 'assistant', content: '{"rating": 4}' },
    { role: 'user', content: 'And for user 1 with 232 ratings?' },
  ]);
});

test('the variables follow the documented table', () => {
  const tc = sampleCase('ranking');
  const v = buildPromptVariables(tc, SAMPLE_INFO);
  assert.deepEqual(v.user, { id: '1', historyLength: 232 });
  assert.deepEqual(v.history[0], {
    title: 'Toy Story (1995)',
    genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
    value: 4,
    date: '2000-07-30',
    item: '1',
  });
  assert.deepEqual(v.task, {
    form: 'ranking',
    scale: { min: 0.5, max: 5, step: 0.5 },
    K: 5,
    k: 10,
    likeThreshold: 4,
    topShare: 0.2,
    labels: ['A', 'B', 'C', 'D', 'E'],
  });
  assert.deepEqual(v.candidates[2], {
    label: 'C',
    title: tc.target.title,
    genres: tc.target.genres,
    item: tc.target.item,
  });
  assert.deepEqual(v.dataset, { name: 'ml-latest-small', kind: 'explicit' });
});

test('implicit data: no scale, dates null without timestamps, no candidates for binary', () => {
  const tc: TestCase = {
    ...sampleCase('binary'),
    history: sampleCase('binary').history.map((h) => ({ ...h, time: null })),
  };
  const v = buildPromptVariables(tc, LASTFM);
  assert.equal(v.task.scale, null);
  assert.equal(v.task.topShare, 0.25);
  assert.equal(v.task.K, 0);
  assert.deepEqual(v.candidates, []);
  assert.ok(v.history.every((h) => h.date === null));
});

test('every built-in template renders every form of case with the JSON key the answer parser expects', () => {
  const key = { rating: '"rating"', binary: '"like"', choice: '"choice"', ranking: '"ranking"' } as const;
  for (const form of ['rating', 'binary', 'choice', 'ranking'] as const) {
    const parsed = parsePromptFile(builtinTemplates[form], `builtin:${form}`);
    const messages = renderPrompt(parsed, sampleCase(form), SAMPLE_INFO);
    assert.deepEqual(
      messages.map((m) => m.role),
      ['system', 'user'],
    );
    const user = messages[1]!.content;
    assert.ok(user.includes(key[form]), `${form} asks for ${key[form]}`);
    // History oldest first with stars.
    assert.ok(user.indexOf('Toy Story') < user.indexOf('Matrix, The'), form);
    assert.match(user, /Toy Story \(1995\) \[Adventure, Animation, Children, Comedy, Fantasy\]: 4 stars/);
    if (form === 'choice' || form === 'ranking') {
      assert.match(user, /^C\. Star Wars: Episode V/m, 'candidates listed with labels');
      assert.match(user, /A, B, C, D, E/);
    } else {
      assert.match(user, /Star Wars: Episode V/);
    }
    assert.doesNotMatch(user, /\{\{|\{%/, 'no Liquid left over');
  }
});

test('built-in templates read play counts on implicit data', () => {
  const parsed = parsePromptFile(builtinTemplates.binary, 'builtin:binary');
  const tc: TestCase = {
    ...sampleCase('binary'),
    history: sampleCase('binary').history.map((h) => ({ ...h, time: null })),
  };
  const user = renderPrompt(parsed, tc, LASTFM)[1]!.content;
  assert.match(user, /Toy Story \(1995\) \[[^\]]+\]: 4 plays\n/);
  assert.match(user, /top 25% of this user's items by play count/);
  assert.doesNotMatch(user, /stars|\(2000-/);
});

test('a template with errors never renders, whatever branch the case takes', () => {
  const parsed = parsePromptFile('user:\n{% if false %}{{ target.titel }}{% endif %}ok\n', 'bad.prompt');
  assert.throws(
    () => renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO),
    (e: unknown) =>
      e instanceof PromptError &&
      e.diagnostics.some((d) => d.code === 'unknown-field') &&
      /bad\.prompt:2:25: error: "target" \(target\) has no field "titel"/.test(e.message),
  );
});

test('warnings do not block rendering', () => {
  const parsed = parsePromptFile('---\nfomrs: x\n---\nuser:\n{{ target.genres }}\n');
  assert.deepEqual(renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO), [
    { role: 'user', content: 'ActionAdventureSci-Fi' },
  ]);
});

test('a syntax error also blocks rendering', () => {
  const parsed = parsePromptFile('user:\n{{ x\n');
  assert.throws(() => renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO), PromptError);
});

test('writes to the scope do not leak between sections or renders', () => {
  const parsed = parsePromptFile(
    'system:\n{% increment n %}{% increment n %}\nuser:\n{% increment n %}{{ user.id }}\n',
  );
  const a = renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO);
  const b = renderPrompt(parsed, sampleCase('rating'), SAMPLE_INFO);
  assert.deepEqual(a, b);
  assert.deepEqual(
    a.map((m) => m.content),
    ['01', '01'],
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Security: no file access, no prototype access, bounded work

test('include and render cannot read files even when analysis is bypassed', () => {
  const liquid = promptEngine();
  for (const src of ['{% include "/etc/passwd" %}', '{% render "/etc/passwd" %}', '{% layout "x" %}']) {
    assert.throws(() => liquid.parse(src), /not found/, src);
  }
  assert.throws(() => liquid.renderFileSync('/etc/passwd'), /cannot read files|Failed to lookup/);
});

test('only own properties are visible when rendering', () => {
  const parsed = parsePromptFile(
    'user:\n[{{ user.constructor }}][{{ history.constructor.name }}][{{ target.__proto__ }}]' +
      '{% assign s = "x" %}[{{ s.constructor }}][{{ target.hasOwnProperty }}]\n',
  );
  const v = buildPromptVariables(sampleCase('rating'), SAMPLE_INFO);
  const [m] = renderVariables(parsed, v);
  assert.equal(m!.content, '[][][][][]');
});

test('a template cannot pollute prototypes', () => {
  const parsed = parsePromptFile(
    'user:\n{% assign __proto__ = "x" %}{% increment __proto__ %}{% capture constructor %}y{% endcapture %}{{ user.id }}\n',
  );
  renderVariables(parsed, buildPromptVariables(sampleCase('rating'), SAMPLE_INFO));
  assert.equal(({} as Record<string, unknown>).x, undefined);
  assert.equal(typeof ({} as { constructor: unknown }).constructor, 'function');
});

test('a runaway loop fails fast instead of hanging a run', () => {
  const parsed = parsePromptFile('user:\n{% for i in (1..100000000) %}{{ i }}{% endfor %}\n');
  const t0 = performance.now();
  assert.throws(() => renderVariables(parsed, buildPromptVariables(sampleCase('rating'), SAMPLE_INFO)));
  assert.ok(performance.now() - t0 < 5000);
});
