import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromptFile } from '../../../src/core/prompt';

const FILE = `---
name: demo
description: A demo
forms: [choice, ranking]
answer: '{"choice": "<label>"}'
params:
  temperature: 0.2
  max_tokens: 50
---
system:
You are helpful.

user:
Q1 {{ user.id }}
assistant:
A1
user:
Q2
`;

test('front matter fields are parsed into their types', () => {
  const p = parsePromptFile(FILE, 'demo.prompt');
  assert.deepEqual(p.frontMatter, {
    name: 'demo',
    description: 'A demo',
    forms: ['choice', 'ranking'],
    answer: '{"choice": "<label>"}',
    params: { temperature: 0.2, max_tokens: 50 },
  });
  assert.deepEqual(p.diagnostics, []);
});

test('sections keep their role, exact body and position; several user/assistant turns are allowed', () => {
  const p = parsePromptFile(FILE, 'demo.prompt');
  assert.deepEqual(
    p.sections.map((s) => [s.role, s.body]),
    [
      ['system', 'You are helpful.\n'],
      ['user', 'Q1 {{ user.id }}'],
      ['assistant', 'A1'],
      ['user', 'Q2'],
    ],
  );
  const user = p.sections[1]!;
  assert.equal(user.bodyOffset, FILE.indexOf('Q1'));
  assert.equal(user.line, 13);
  assert.equal(user.col, 0);
  assert.deepEqual(user.markerRange, { start: { line: 12, character: 0 }, end: { line: 12, character: 5 } });
  // The body is the file text at its offset.
  for (const s of p.sections) assert.equal(FILE.slice(s.bodyOffset, s.bodyOffset + s.body.length), s.body);
});

test('front matter is optional', () => {
  const p = parsePromptFile('system:\nS\nuser:\nU\n');
  assert.deepEqual(p.frontMatter, {});
  assert.deepEqual(
    p.sections.map((s) => s.role),
    ['system', 'user'],
  );
  assert.deepEqual(p.diagnostics, []);
});

test('CRLF files parse like LF files, with bodies free of the line break before the next marker', () => {
  const crlf = FILE.replace(/\n/g, '\r\n');
  const p = parsePromptFile(crlf);
  assert.deepEqual(p.diagnostics, []);
  assert.equal(p.frontMatter.name, 'demo');
  assert.deepEqual(
    p.sections.map((s) => s.body),
    ['You are helpful.\r\n', 'Q1 {{ user.id }}', 'A1', 'Q2'],
  );
  assert.equal(p.sections[1]!.line, 13);
});

test('a role word inside a line is text, not a marker; markers allow trailing spaces only', () => {
  const p = parsePromptFile('user:\nthe user: said\n user:\nassistant:  \nok\n');
  assert.deepEqual(
    p.sections.map((s) => [s.role, s.body]),
    [
      ['user', 'the user: said\n user:'],
      ['assistant', 'ok'],
    ],
  );
});

test('a BOM before the front matter fence is accepted', () => {
  const p = parsePromptFile('\uFEFF---\nname: x\n---\nuser:\nhi\n');
  assert.equal(p.frontMatter.name, 'x');
  assert.deepEqual(p.diagnostics, []);
});

test('forms may be a single string', () => {
  const p = parsePromptFile('---\nforms: rating\n---\nuser:\nhi\n');
  assert.deepEqual(p.frontMatter.forms, ['rating']);
});

test('the parsed prompt is plain data (survives JSON, as for a webview)', () => {
  const p = parsePromptFile(FILE);
  const copy = JSON.parse(JSON.stringify(p));
  assert.deepEqual(copy.sections, JSON.parse(JSON.stringify(p.sections)));
  assert.equal(copy.text, FILE);
});
