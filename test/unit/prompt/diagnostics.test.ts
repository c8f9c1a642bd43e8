// Every diagnostic the analyser produces, with the exact range it must point at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DIAGNOSTIC_CODES,
  analyzePrompt,
  builtinTemplates,
  formatDiagnostic,
  parsePromptFile,
  promptDiagnostics,
  type DiagnosticCode,
} from '../../../src/core/prompt';
import type { TaskForm } from '../../../src/core/types';
import { diagnose, only, rangeOf, userOnly } from './helpers';

test('the built-in templates have no diagnostics at all', () => {
  for (const form of Object.keys(builtinTemplates) as TaskForm[]) {
    assert.deepEqual(diagnose(builtinTemplates[form]), [], form);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Front matter

test('front matter opened and never closed', () => {
  const text = '---\nname: x\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-unclosed');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range, rangeOf(text, '---'));
});

test('a YAML syntax error points into the front matter', () => {
  const text = '---\nname: x\ndescription: [unclosed\n---\nuser:\nhi\n';
  const d = diagnose(text).find((x) => x.code === 'front-matter-yaml');
  assert.ok(d, 'a YAML error is reported');
  assert.equal(d.severity, 'error');
  assert.equal(d.range.start.line, 2, 'on the line of the bad flow sequence');
  assert.match(d.message, /^front matter: /);
});

test('a duplicated front matter key is a YAML error at the second key', () => {
  const text = '---\nname: a\nname: b\n---\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-yaml');
  assert.deepEqual(d.range.start, rangeOf(text, 'name', 1).start);
});

test('front matter that is not a mapping', () => {
  const text = '---\n- a\n- b\n---\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-not-mapping');
  assert.deepEqual(d.range.start, { line: 1, character: 0 });
});

test('an unknown front matter key is a warning on the key, with a suggestion', () => {
  const text = '---\nfomrs: [rating]\n---\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-unknown-key');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.range, rangeOf(text, 'fomrs'));
  assert.match(d.message, /did you mean "forms"/);
});

test('an unknown task form is an error on that list item', () => {
  const text = '---\nforms: [rating, ratin]\n---\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-invalid');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range, rangeOf(text, 'ratin]').start && { ...rangeOf(text, 'ratin', 1) });
  assert.match(d.message, /did you mean "rating"/);
});

test('invalid and unknown params point at the value and the key', () => {
  const text = '---\nparams:\n  temperature: hot\n  top_k: 5\n---\nuser:\nhi\n';
  const ds = diagnose(text);
  const invalid = only(ds, 'front-matter-invalid');
  assert.deepEqual(invalid.range, rangeOf(text, 'hot'));
  assert.match(invalid.message, /params\.temperature" must be a number/);
  const unknown = only(ds, 'front-matter-unknown-key');
  assert.deepEqual(unknown.range, rangeOf(text, 'top_k'));
  assert.match(unknown.message, /did you mean "top_p"/);
});

test('a non-string name is invalid', () => {
  const text = '---\nname: [a, b]\n---\nuser:\nhi\n';
  const d = only(diagnose(text), 'front-matter-invalid');
  assert.deepEqual(d.range, rangeOf(text, '[a, b]'));
});

// ---------------------------------------------------------------------------------------------------------------
// Structure

test('text before the first section', () => {
  const text = 'Hello there\nuser:\nhi\n';
  const d = only(diagnose(text), 'text-outside-section');
  assert.deepEqual(d.range, rangeOf(text, 'Hello there'));
});

test('a missing user section', () => {
  const text = '---\nname: x\n---\nsystem:\nYou are helpful.\n';
  const d = only(diagnose(text), 'missing-user-section');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range, rangeOf(text, 'system:'));
});

test('a file without any section has a missing user section on its first body line', () => {
  const d = only(diagnose(''), 'missing-user-section');
  assert.deepEqual(d.range.start, { line: 0, character: 0 });
});

test('an empty user section is an error on its marker; an empty assistant section a warning', () => {
  const text = 'system:\nS\nuser:\n  \n\nassistant:\n';
  const ds = diagnose(text).filter((d) => d.code === 'empty-section');
  assert.equal(ds.length, 2);
  assert.deepEqual(ds[0]!.range, rangeOf(text, 'user:'));
  assert.equal(ds[0]!.severity, 'error');
  assert.deepEqual(ds[1]!.range, rangeOf(text, 'assistant:'));
  assert.equal(ds[1]!.severity, 'warning');
});

// ---------------------------------------------------------------------------------------------------------------
// Liquid syntax

test('an unclosed for tag points at the opening tag', () => {
  const text = 'system:\nS\nuser:\nA\n{% for h in history %}{{ h.title }}\n';
  const d = only(diagnose(text), 'liquid-syntax');
  assert.deepEqual(d.range, rangeOf(text, '{% for h in history %}'));
  assert.match(d.message, /not closed/);
  assert.doesNotMatch(d.message, /line:\d/, 'LiquidJS positions are replaced by ours');
});

test('an unclosed output points at it, on its own line', () => {
  const text = userOnly('line one\n  {{ target.title');
  const d = only(diagnose(text), 'liquid-syntax');
  assert.deepEqual(d.range, rangeOf(text, '{{ target.title\n'.trimEnd()));
  assert.deepEqual(d.range.start, { line: 2, character: 2 });
});

test('an endfor without a for', () => {
  const text = userOnly('x {% endfor %}');
  const d = only(diagnose(text), 'liquid-syntax');
  assert.deepEqual(d.range, rangeOf(text, '{% endfor %}'));
  assert.match(d.message, /"endfor" without an opening "for"/);
});

test('an invalid expression inside a tag', () => {
  const text = userOnly('{% if %}x{% endif %}');
  const d = only(diagnose(text), 'liquid-syntax');
  assert.equal(d.range.start.line, 1);
});

test('include, render and layout are not allowed', () => {
  for (const tag of ['include', 'render', 'layout']) {
    const snippet = `{% ${tag} "secrets.txt" %}`;
    const text = userOnly(`hi ${snippet}`);
    const d = only(diagnose(text), 'tag-not-allowed');
    assert.deepEqual(d.range, rangeOf(text, snippet), tag);
    assert.match(d.message, /cannot read other files/);
  }
});

test('an unknown tag', () => {
  const text = userOnly('{% frobnicate %}');
  const d = only(diagnose(text), 'unknown-tag');
  assert.deepEqual(d.range, rangeOf(text, '{% frobnicate %}'));
});

test('each section is parsed on its own: errors in two sections are both reported', () => {
  const text = 'system:\n{{ x\nuser:\n{% if %}{% endif %}\n';
  const ds = diagnose(text).filter((d) => d.code === 'liquid-syntax');
  assert.deepEqual(
    ds.map((d) => d.range.start.line),
    [1, 3],
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Variables, fields and filters

test('an unknown variable, with a suggestion', () => {
  const text = userOnly('Hi {{ usr.id }}');
  const d = only(diagnose(text), 'unknown-variable');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range, rangeOf(text, 'usr'));
  assert.match(d.message, /unknown variable "usr" \(did you mean "user"\?\)/);
});

test('an unknown field of a documented variable points at the field', () => {
  const text = userOnly('Rate {{ target.titel }}');
  const d = only(diagnose(text), 'unknown-field');
  assert.deepEqual(d.range, rangeOf(text, 'titel'));
  assert.match(d.message, /"target" \(target\) has no field "titel" \(did you mean "title"\?\)/);
});

test('unknown names are found in branches a render would not take', () => {
  const text = userOnly('{% if false %}{{ nope }}{% else %}{{ task.scale.mx }}{% endif %}');
  const ds = diagnose(text);
  assert.deepEqual(only(ds, 'unknown-variable').range, rangeOf(text, 'nope'));
  assert.deepEqual(only(ds, 'unknown-field').range, rangeOf(text, 'mx'));
});

test('a loop variable has the element type of its collection', () => {
  const text = userOnly('{% for h in history %}{{ h.title }} {{ h.titel }} {{ forloop.index }}{% endfor %}');
  const d = only(diagnose(text), 'unknown-field');
  assert.deepEqual(d.range, rangeOf(text, 'titel'));
  assert.match(d.message, /"h" \(history entry\) has no field "titel"/);
});

test('loop variables through list-preserving filters, nested loops and forloop fields', () => {
  const text = userOnly(
    '{% for c in candidates reversed limit: 3 %}{% for g in c.genres %}{{ g | upcase }}{{ g.size }}{% endfor %}' +
      '{{ c.lable }}{{ forloop.idx }}{% endfor %}',
  );
  const ds = diagnose(text).filter((d) => d.code === 'unknown-field');
  assert.deepEqual(
    ds.map((d) => d.range),
    [rangeOf(text, 'lable'), rangeOf(text, 'idx')],
  );
});

test('a loop variable is unknown after its loop', () => {
  const text = userOnly('{% for h in history %}{{ h.title }}{% endfor %}{{ h.title }}');
  const d = only(diagnose(text), 'unknown-variable');
  assert.deepEqual(d.range, rangeOf(text, 'h', text.lastIndexOf('{{ h') > 0 ? 3 : 0));
  assert.equal(d.range.start.character, text.split('\n')[1]!.lastIndexOf('h.title'));
});

test('assign and capture define names for the rest of the section, with types', () => {
  const text = userOnly(
    '{{ early }}{% assign early = 1 %}{% assign last = history | last %}{{ last.title }}{{ last.valeu }}' +
      '{% assign titles = history | map: "title" %}{{ titles | join: ", " }}' +
      '{% capture intro %}Hello{% endcapture %}{{ intro.size }}{{ intro.nope }}',
  );
  const ds = diagnose(text);
  assert.deepEqual(only(ds, 'unknown-variable').range, rangeOf(text, 'early'));
  assert.deepEqual(
    ds.filter((d) => d.code === 'unknown-field').map((d) => d.range),
    [rangeOf(text, 'valeu'), rangeOf(text, 'nope')],
  );
});

test('list indexing, first/last/size and nested access are understood', () => {
  const text = userOnly(
    '{{ history[0].title }}{{ history.first.genres.size }}{{ candidates.last.label }}{{ history[0].nme }}{{ user.id[0] }}',
  );
  const ds = diagnose(text).filter((d) => d.code === 'unknown-field');
  assert.deepEqual(
    ds.map((d) => d.range),
    [rangeOf(text, 'nme'), rangeOf(text, '0', 2)],
  );
});

test('variables inside tag arguments, conditions and filter arguments are checked', () => {
  const text = userOnly(
    '{% if user.historyLenght > 3 %}x{% endif %}{% case task.frm %}{% when "rating" %}r{% endcase %}' +
      '{{ "a" | append: targt.title }}{% unless dataset.knd %}{% endunless %}{% cycle "a", usr %}',
  );
  const ds = diagnose(text);
  assert.deepEqual(
    ds.map((d) => [d.code, d.range]),
    [
      ['unknown-field', rangeOf(text, 'historyLenght')],
      ['unknown-field', rangeOf(text, 'frm')],
      ['unknown-variable', rangeOf(text, 'targt')],
      ['unknown-field', rangeOf(text, 'knd')],
      ['unknown-variable', rangeOf(text, 'usr')],
    ],
  );
});

test('the liquid tag and echo are analysed too', () => {
  const text = userOnly('{% liquid\nassign n = history.size\necho n | plus: 1\necho target.nam\n%}');
  const d = only(diagnose(text), 'unknown-field');
  assert.deepEqual(d.range, rangeOf(text, 'nam'));
});

test('an unknown filter points at its name, in outputs, tags and loops', () => {
  const text = userOnly('{{ target.title | upcas }}{% assign x = user.id | frob: 1 %}{{ x }}');
  const ds = diagnose(text).filter((d) => d.code === 'unknown-filter');
  assert.deepEqual(
    ds.map((d) => d.range),
    [rangeOf(text, 'upcas'), rangeOf(text, 'frob')],
  );
  assert.match(ds[0]!.message, /did you mean "upcase"/);
});

test('no field of the prototype is visible to analysis', () => {
  const text = userOnly('{{ user.constructor }}{{ history.__proto__ }}{{ target.toString }}');
  const ds = diagnose(text).filter((d) => d.code === 'unknown-field');
  assert.deepEqual(
    ds.map((d) => d.range),
    [rangeOf(text, 'constructor'), rangeOf(text, '__proto__'), rangeOf(text, 'toString')],
  );
});

test('printing a list or an object without a filter is a warning', () => {
  const text = userOnly('{{ target.genres }} {{ target }} {{ target.genres | join: ", " }}');
  const ds = diagnose(text).filter((d) => d.code === 'structured-output');
  assert.deepEqual(
    ds.map((d) => [d.severity, d.range]),
    [
      ['warning', rangeOf(text, 'target.genres')],
      ['warning', rangeOf(text, 'target', 1)],
    ],
  );
});

test('a choice template that never shows the candidates gets a warning', () => {
  const text = '---\nforms: [choice]\n---\nuser:\nWhat next after {{ history.last.title }}?\n';
  const d = only(diagnose(text), 'form-mismatch');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.range, rangeOf(text, 'user:'));
});

test('positions are file positions: a section after front matter and CRLF line ends', () => {
  const text = '---\r\nname: x\r\n---\r\nsystem:\r\nS\r\n\r\nuser:\r\n  Hi {{ usr }}\r\n';
  const d = only(diagnose(text), 'unknown-variable');
  assert.deepEqual(d.range, { start: { line: 7, character: 8 }, end: { line: 7, character: 11 } });
});

test('diagnostics are sorted by position and formatted 1-based for the CLI', () => {
  const text = userOnly('{{ b.x }}\n{{ a.y }}');
  const parsed = parsePromptFile(text, 'p/x.prompt');
  const ds = analyzePrompt(parsed);
  assert.deepEqual(
    ds.map((d) => d.range.start.line),
    [1, 2],
  );
  assert.equal(
    formatDiagnostic(ds[0]!, 'p/x.prompt'),
    'p/x.prompt:2:4: error: unknown variable "b" (known: ' + ds[0]!.message.split('(known: ')[1],
  );
  assert.match(formatDiagnostic(ds[1]!, 'p/x.prompt'), /^p\/x\.prompt:3:4: error: unknown variable "a"/);
});

test('every diagnostic code has a case here, with its exact range', () => {
  // One minimal template per code and the snippet its diagnostic must cover (the first occurrence).
  const cases: Record<DiagnosticCode, [string, string]> = {
    'front-matter-unclosed': ['---\nname: x\nuser:\nhi\n', '---'],
    'front-matter-yaml': ['---\nname: "abc\n---\nuser:\nhi\n', 'c'],
    'front-matter-not-mapping': ['---\njust text\n---\nuser:\nhi\n', 'just text'],
    'front-matter-unknown-key': ['---\nnmae: x\n---\nuser:\nhi\n', 'nmae'],
    'front-matter-invalid': ['---\nparams:\n  seed: 1.5\n---\nuser:\nhi\n', '1.5'],
    'text-outside-section': ['---\nname: x\n---\nstray\nuser:\nhi\n', 'stray'],
    'near-role-marker': ['user:\nhi\nAssistant:\nok\n', 'Assistant:'],
    'missing-user-section': ['assistant:\nhi\n', 'assistant:'],
    'empty-section': ['system:\nS\nuser:\n\n', 'user:'],
    'liquid-syntax': ['user:\n{% if x %}', '{% if x %}'],
    'tag-not-allowed': ['user:\n{% render "a" %}', '{% render "a" %}'],
    'unknown-tag': ['user:\n{% shout %}', '{% shout %}'],
    'unknown-variable': ['user:\n{{ who }}', 'who'],
    'unknown-field': ['user:\n{{ dataset.size }}', 'size'],
    'unknown-filter': ['user:\n{{ user.id | shout }}', 'shout'],
    'structured-output': ['user:\n{{ task.labels }}', 'task.labels'],
    'form-mismatch': ['---\nforms: ranking\n---\nuser:\n{{ target.title }}\n', 'user:'],
    'target-leak': [
      '---\nforms: choice\n---\nuser:\n{{ candidates | map: "title" | join: ", " }} {{ target.title }}\n',
      'target',
    ],
  };
  for (const code of DIAGNOSTIC_CODES) {
    const [text, snippet] = cases[code];
    const d = only(diagnose(text), code);
    assert.deepEqual(d.range, rangeOf(text, snippet), code);
  }
});

test('literals, ranges, negative and quoted indexes, tablerow, case and raw produce no false positives', () => {
  const text = userOnly(
    [
      '{% if history == empty or target.genres != blank and user.id != nil and true %}x{% endif %}',
      '{% for i in (1..task.K) %}{{ i }}{% endfor %}{{ history[-1].title }}{{ history["0"].title }}{{ task["form"] }}',
      '{{ history | where: "value", 5 | map: "title" | join: ", " }}',
      '{% for h in history offset: 2 limit: task.K %}{{ forloop.length }}{% else %}none{% endfor %}',
      '{% tablerow c in candidates cols: 2 %}{{ c.title }}{{ tablerowloop.col }}{% endtablerow %}',
      '{% case task.form %}{% when "rating", "binary" %}a{% else %}b{% endcase %}',
      '{%- comment -%} {{ ignored }} {%- endcomment -%}{% raw %}{{ not.checked }}{% endraw %}',
      '{% assign xs = history %}{% for h in xs %}{{ h.date | default: "undated" }}{% endfor %}',
    ].join('\n'),
  );
  assert.deepEqual(diagnose(text), []);
});

test('parse and analysis diagnostics are separate; promptDiagnostics gives both once, sorted', () => {
  const text = '---\nfomrs: x\n---\nuser:\n{{ usr }}\n{% if %}';
  const parsed = parsePromptFile(text);
  assert.deepEqual(
    parsed.diagnostics.map((d) => d.code),
    ['front-matter-unknown-key', 'liquid-syntax'],
  );
  // The section with the syntax error is not analysed: only the parse diagnostics describe it.
  assert.deepEqual(
    analyzePrompt(parsePromptFile('user:\n{{ usr }}\n')).map((d) => d.code),
    ['unknown-variable'],
  );
  const all = promptDiagnostics(parsed);
  assert.deepEqual(
    all.map((d) => d.code),
    ['front-matter-unknown-key', 'liquid-syntax'],
  );
  assert.equal(new Set(all).size, all.length);
});

test('the form check looks at what the template reads, not at its words', () => {
  const prose =
    '---\nforms: [choice]\n---\nuser:\nPick one of the candidates {% comment %}{{ candidates }}{% endcomment %}\n';
  assert.equal(only(diagnose(prose), 'form-mismatch').severity, 'warning');
  const viaAssign =
    '---\nforms: [choice]\n---\nuser:\n{% assign cs = candidates %}{% for c in cs %}{{ c.label }}{% endfor %}\n';
  assert.deepEqual(diagnose(viaAssign), []);
});
