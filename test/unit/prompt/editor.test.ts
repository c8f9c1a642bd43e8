import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_INFO, completionsAt, hoverAt, sampleCase } from '../../../src/core/prompt';
import { rangeOf } from './helpers';

/** Completion labels with the cursor at the `|` marker (removed from the text). */
function complete(withCursor: string): string[] {
  const offset = withCursor.indexOf('¦');
  const text = withCursor.replace('¦', '');
  return completionsAt(text, offset).map((c) => c.label);
}

test('variable names after {{, with their type and meaning', () => {
  const text = 'user:\nRate {{ ';
  const items = completionsAt(text, text.length);
  assert.deepEqual(items.map((i) => i.label).sort(), [
    'candidates',
    'dataset',
    'history',
    'target',
    'task',
    'user',
  ]);
  const history = items.find((i) => i.label === 'history')!;
  assert.equal(history.detail, 'list of history entry');
  assert.match(history.documentation, /oldest first/);
});

test('fields after a dot, while the output is still unclosed', () => {
  assert.deepEqual(complete('user:\n{{ target.¦'), ['title', 'genres', 'item']);
  assert.deepEqual(complete('user:\n{{ target.ti¦'), ['title', 'genres', 'item']);
  assert.deepEqual(complete('user:\n{{ task.scale.¦ }}'), ['min', 'max', 'step']);
  assert.deepEqual(complete('user:\n{{ history.¦'), ['size', 'first', 'last']);
  assert.deepEqual(complete('user:\n{{ history.first.genres.¦'), ['size', 'first', 'last']);
});

test("a loop variable's fields come from its collection, and forloop is known inside the loop", () => {
  assert.deepEqual(complete('user:\n{% for h in history %}{{ h.¦'), [
    'title',
    'genres',
    'item',
    'value',
    'date',
  ]);
  assert.deepEqual(complete('user:\n{% for c in candidates reversed %}{% for g in c.genres %}{{ g.¦'), [
    'size',
  ]);
  assert.ok(complete('user:\n{% for h in history %}{{ forloop.¦').includes('index0'));
  const inLoop = complete('user:\n{% for h in history %}{% if ¦');
  assert.ok(inLoop.includes('h') && inLoop.includes('forloop'));
  const after = complete('user:\n{% for h in history %}{{ h.title }}{% endfor %}{{ ¦');
  assert.ok(!after.includes('h') && !after.includes('forloop'));
});

test('assignments and captures before the cursor are in scope, with their types', () => {
  assert.deepEqual(complete('user:\n{% assign last = history | last %}{{ last.¦'), [
    'title',
    'genres',
    'item',
    'value',
    'date',
  ]);
  assert.ok(complete('user:\n{% capture intro %}x{% endcapture %}{{ ¦').includes('intro'));
  assert.ok(!complete('user:\n{{ ¦ }}{% assign later = 1 %}').includes('later'));
});

test('inside and after a {% liquid %} block, its assignments and loops are in scope', () => {
  assert.deepEqual(complete('user:\n{% liquid\n  for c in candidates\n    echo c.¦'), [
    'label',
    'title',
    'genres',
    'item',
  ]);
  assert.ok(
    complete('user:\n{% liquid\n  assign n = history.size\n  ¦').includes('for'),
    'tag names at a line start',
  );
  assert.deepEqual(complete('user:\n{% liquid\n  assign last = history | last\n%}{{ last.¦'), [
    'title',
    'genres',
    'item',
    'value',
    'date',
  ]);
});

test('filters after a pipe, tags after {% (without the disabled ones)', () => {
  const filters = complete('user:\n{{ target.genres | ¦');
  assert.ok(filters.includes('join') && filters.includes('upcase'));
  const tags = complete('user:\n{% ¦');
  assert.ok(tags.includes('for') && tags.includes('assign'));
  assert.ok(!tags.includes('include') && !tags.includes('render'));
});

test('front matter: task forms after forms:, request parameters under params:, nothing after the fence', () => {
  assert.deepEqual(complete('---\nforms: [ra¦\n---\nuser:\nhi\n'), [
    'rating',
    'binary',
    'choice',
    'ranking',
    'recall',
    'completion',
  ]);
  const params = complete('---\nname: x\nparams:\n  temperature: 0\n  ¦\n---\nuser:\nhi\n');
  assert.ok(params.includes('max_tokens') && params.includes('response_format'));
  assert.deepEqual(complete('---\nname: x\n---\n¦\nuser:\nhi\n'), []);
  assert.deepEqual(complete('no front matter\n¦'), []);
});

test('nothing outside Liquid delimiters; front matter keys in the front matter', () => {
  assert.deepEqual(complete('user:\nplain text ¦'), []);
  assert.deepEqual(complete('user:\n{{ target.title }} ¦'), []);
  assert.deepEqual(complete('---\nname: x\n¦\n---\nuser:\nhi\n').sort(), [
    'answer',
    'description',
    'forms',
    'name',
    'params',
  ]);
});

const TEXT = [
  '---',
  'name: demo',
  '---',
  'user:',
  '{% assign last = history | last %}{% for h in history %}{{ h.value }}{% endfor %}',
  'Rate {{ target.title }} after {{ last.title }} | {{ target.genres | join: ", " }}',
].join('\n');

const CONTEXT = { testCase: sampleCase('rating'), info: SAMPLE_INFO };

test("hover on a field: its meaning and its value in the preview case, over the field's range", () => {
  const offset = TEXT.indexOf('title }} after');
  const h = hoverAt(TEXT, offset + 2, CONTEXT)!;
  assert.ok(h);
  assert.deepEqual(h.range, rangeOf(TEXT, 'title', 0));
  assert.match(h.markdown, /^\*\*target\.title\*\*: string/);
  assert.match(h.markdown, /The title of the item asked about/);
  assert.match(h.markdown, /Value in this case: `"Star Wars: Episode V - The Empire Strikes Back \(1980\)"`/);
});

test('hover on a loop variable shows the first element of its collection; on an assignment its value', () => {
  const h = hoverAt(TEXT, TEXT.indexOf('h.value') + 3, CONTEXT)!;
  assert.match(h.markdown, /^\*\*h\.value\*\*: number/);
  assert.match(h.markdown, /Value in this case, for the first element of `history`: `4`/);
  const last = hoverAt(TEXT, TEXT.indexOf('last.title') + 6, CONTEXT)!;
  assert.match(last.markdown, /Value in this case: `"Matrix, The \(1999\)"`/);
});

test('hover without a case gives the meaning only; unknown names and plain text give nothing', () => {
  const h = hoverAt(TEXT, TEXT.indexOf('target.title') + 1)!;
  assert.match(h.markdown, /^\*\*target\*\*: target/);
  assert.doesNotMatch(h.markdown, /Value/);
  assert.equal(hoverAt('user:\n{{ target.titel }}', 'user:\n{{ target.ti'.length), null);
  assert.equal(hoverAt(TEXT, TEXT.indexOf('Rate') + 1), null);
});

test('hover on a filter, a tag and a front matter key', () => {
  assert.match(hoverAt(TEXT, TEXT.indexOf('join') + 1)!.markdown, /\*\*join\*\* \(filter\)/);
  assert.match(hoverAt(TEXT, TEXT.indexOf('for h') + 1)!.markdown, /\*\*for\*\* \(tag\)/);
  const key = hoverAt(TEXT, TEXT.indexOf('name:') + 1)!;
  assert.match(key.markdown, /\*\*name\*\* \(front matter\)/);
  assert.deepEqual(key.range, rangeOf(TEXT, 'name'));
});
