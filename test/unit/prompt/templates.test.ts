import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  builtinTemplates,
  loadPromptTemplate,
  readPromptTemplate,
  variablesMarkdown,
} from '../../../src/core/prompt';

const repoRoot = path.resolve(__dirname, '../../..');

test('templates/<form>.prompt are the built-in templates, byte for byte', () => {
  for (const [form, text] of Object.entries(builtinTemplates)) {
    const file = readFileSync(path.join(repoRoot, 'templates', `${form}.prompt`), 'utf8');
    assert.equal(
      file,
      text,
      `templates/${form}.prompt differs from builtinTemplates.${form}: copy one to the other`,
    );
  }
});

test('each built-in template names its form and the JSON answer the scorer parses', () => {
  const keys = { rating: '"rating"', binary: '"like"', choice: '"choice"', ranking: '"ranking"' };
  for (const [form, key] of Object.entries(keys)) {
    const parsed = loadPromptTemplate(`builtin:${form}`, repoRoot);
    assert.equal(parsed.file, `builtin:${form}`);
    assert.deepEqual(parsed.frontMatter.forms, [form]);
    assert.ok(parsed.frontMatter.answer?.includes(key), form);
  }
});

test('references resolve builtin:<form> and paths relative to the config folder, with clear errors', () => {
  const dir = path.join(repoRoot, 'test/fixtures/prompt');
  assert.equal(readPromptTemplate('custom.prompt', dir).file, path.join(dir, 'custom.prompt'));
  assert.throws(() => readPromptTemplate('builtin:essay', dir), /unknown built-in template "builtin:essay"/);
  assert.throws(() => readPromptTemplate('builtin:toString', dir), /unknown built-in template/);
  assert.throws(
    () => readPromptTemplate('missing.prompt', dir),
    /cannot read prompt template .*missing\.prompt: ENOENT/,
  );
});

test('docs/prompt-format.md holds the variable table generated from PROMPT_VARIABLES', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs/prompt-format.md'), 'utf8');
  const m = /<!-- variables:start[^>]*-->\s*\n([\s\S]*?)\n\s*<!-- variables:end -->/.exec(doc);
  assert.ok(m, 'the docs have the variables markers');
  // Compared cell by cell: Prettier pads Markdown tables.
  const cells = (table: string) =>
    table.split('\n').map((row) =>
      row
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/^-+$/, '-'))
        .filter((_c, i, all) => i > 0 && i < all.length - 1),
    );
  assert.deepEqual(cells(m[1]!), cells(variablesMarkdown()), 'regenerate the table with variablesMarkdown()');
});
