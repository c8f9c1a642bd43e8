// The TextMate grammar, tokenized by the same engine VS Code uses (vscode-textmate + oniguruma), and the
// language configuration's pairs and comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const grammarFile = path.join(root, 'syntaxes/ubp-prompt.tmLanguage.json');

interface Token {
  text: string;
  scopes: string[];
}

// VS Code ships the YAML grammar the front matter embeds; this stand-in marks keys so the embedding is visible.
const YAML_STUB = {
  scopeName: 'source.yaml',
  patterns: [{ match: '^\\s*([\\w-]+)(:)', captures: { 1: { name: 'entity.name.tag.yaml' } } }],
};

let tokenizer: Promise<(text: string) => Token[][]> | undefined;

/** Tokenizes a text line by line, as the editor does, with the grammar state carried across lines. */
function tokenize(): Promise<(text: string) => Token[][]> {
  tokenizer ??= (async () => {
    // Dev-only dependencies of this test (package.json devDependencies: vscode-textmate, vscode-oniguruma).
    const textmate = await import('vscode-textmate');
    const onig = await import('vscode-oniguruma');
    const wasm = readFileSync(path.join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
        createOnigString: (s: string) => new onig.OnigString(s),
      }),
      loadGrammar: async (scope: string) =>
        scope === 'text.ubp-prompt'
          ? textmate.parseRawGrammar(readFileSync(grammarFile, 'utf8'), grammarFile)
          : scope === 'source.yaml'
            ? textmate.parseRawGrammar(JSON.stringify(YAML_STUB), 'yaml.json')
            : null,
    });
    const grammar = (await registry.loadGrammar('text.ubp-prompt'))!;
    return (text: string) => {
      let state = textmate.INITIAL;
      return text.split('\n').map((line) => {
        const r = grammar.tokenizeLine(line, state);
        state = r.ruleStack;
        return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
      });
    };
  })();
  return tokenizer;
}

/** The scopes of the first token whose text is `text` on a line. */
function scopesOf(lines: Token[][], line: number, text: string): string[] {
  const t = lines[line]!.find((x) => x.text === text || x.text.trim() === text);
  assert.ok(t, `no token "${text}" on line ${line}: ${JSON.stringify(lines[line]!.map((x) => x.text))}`);
  return t.scopes;
}

function has(scopes: string[], prefix: string): boolean {
  return scopes.some((s) => s.startsWith(prefix));
}

const SAMPLE = [
  '---', // 0
  'name: demo', // 1
  '---', // 2
  'system:', // 3
  'You are {{ dataset.name | upcase }}.', // 4
  'user:', // 5
  '{% for h in history limit: 3 %}- {{ h.title }} "{{ h.value }}"{% endfor %}', // 6
  '{% comment %}', // 7
  'not {{ rendered }}', // 8
  '{% endcomment %}{%# inline note %}', // 9
  "{% if task.form == 'rating' and user.historyLength > 3 %}x{% endif %}", // 10
  'assistant:', // 11
  '{% raw %}{{ literal }}{% endraw %}', // 12
].join('\n');

test('front matter is a YAML block between the fences', async () => {
  const lines = (await tokenize())(SAMPLE);
  assert.ok(has(scopesOf(lines, 0, '---'), 'punctuation.definition.front-matter.begin'));
  assert.ok(has(scopesOf(lines, 1, 'name'), 'meta.embedded.block.yaml'));
  assert.ok(has(scopesOf(lines, 1, 'name'), 'entity.name.tag.yaml'), 'the YAML grammar runs inside');
  assert.ok(has(scopesOf(lines, 2, '---'), 'punctuation.definition.front-matter.end'));
  assert.ok(!has(scopesOf(lines, 3, 'system'), 'meta.front-matter'), 'the front matter ends at the fence');
});

test('a front matter after a byte order mark is recognised; a later --- line is not front matter', async () => {
  const bom = (await tokenize())('\uFEFF---\nname: x\n---\nuser:\n---\nname: y');
  assert.ok(has(scopesOf(bom, 1, 'name'), 'meta.embedded.block.yaml'));
  assert.ok(!has(scopesOf(bom, 5, 'name: y'), 'meta.front-matter'));
});

test('role markers on their own line', async () => {
  const lines = (await tokenize())(SAMPLE);
  assert.ok(has(scopesOf(lines, 3, 'system'), 'keyword.control.role.system'));
  assert.ok(has(scopesOf(lines, 5, 'user'), 'keyword.control.role.user'));
  assert.ok(has(scopesOf(lines, 11, 'assistant'), 'keyword.control.role.assistant'));
  // A role word inside text is not a marker.
  const inline = (await tokenize())('user:\nthe user: said');
  assert.ok(!inline[1]!.some((t) => has(t.scopes, 'keyword.control.role')));
});

test('outputs, variables, properties and filters', async () => {
  const lines = (await tokenize())(SAMPLE);
  assert.ok(has(scopesOf(lines, 4, '{{'), 'punctuation.definition.output.begin'));
  assert.ok(has(scopesOf(lines, 4, 'dataset'), 'variable.other.readwrite.documented'));
  assert.ok(has(scopesOf(lines, 4, 'name'), 'variable.other.property'));
  assert.ok(has(scopesOf(lines, 4, 'upcase'), 'support.function.filter'));
  assert.ok(has(scopesOf(lines, 4, '}}'), 'punctuation.definition.output.end'));
  assert.ok(!has(scopesOf(lines, 4, 'You are'), 'meta.output'), 'plain text outside delimiters');
});

test('tags with their keyword, operators, numbers and strings', async () => {
  const lines = (await tokenize())(SAMPLE);
  assert.ok(has(scopesOf(lines, 6, 'for'), 'keyword.control.for'));
  assert.ok(has(scopesOf(lines, 6, 'in'), 'keyword.operator.word'));
  assert.ok(has(scopesOf(lines, 6, '3'), 'constant.numeric'));
  assert.ok(has(scopesOf(lines, 6, 'endfor'), 'keyword.control.endfor'));
  assert.ok(!has(scopesOf(lines, 6, '- '), 'meta.tag'), 'text between tags is plain');
  assert.ok(has(scopesOf(lines, 10, "'"), 'string.quoted.single'));
  assert.ok(has(scopesOf(lines, 10, '=='), 'keyword.operator.comparison'));
  assert.ok(has(scopesOf(lines, 10, 'and'), 'keyword.operator.word'));
});

test('block and inline comments, and raw blocks', async () => {
  const lines = (await tokenize())(SAMPLE);
  assert.ok(has(scopesOf(lines, 8, 'not {{ rendered }}'), 'comment.block'));
  assert.ok(has(scopesOf(lines, 9, '{% endcomment %}'), 'comment.block'));
  assert.ok(lines[9]!.some((t) => t.text.includes('inline note') && has(t.scopes, 'comment.line')));
  assert.ok(has(scopesOf(lines, 12, '{{ literal }}'), 'string.unquoted.raw'));
});

test('the language configuration pairs the Liquid delimiters and toggles block comments', () => {
  const config = JSON.parse(readFileSync(path.join(root, 'language-configuration.json'), 'utf8'));
  assert.deepEqual(config.comments.blockComment, ['{% comment %}', '{% endcomment %}']);
  const pairs = new Map<string, string>(
    config.autoClosingPairs.map((p: { open: string; close: string }) => [p.open, p.close]),
  );
  assert.equal(pairs.get('{{'), '}}');
  assert.equal(pairs.get('{%'), '%}');
  const brackets = config.brackets.map((b: string[]) => b.join(' '));
  assert.ok(brackets.includes('{{ }}') && brackets.includes('{% %}'));
  // Folding markers are valid regular expressions that match a for block.
  assert.match('{% for h in history %}', new RegExp(config.folding.markers.start));
  assert.match('{%- endfor %}', new RegExp(config.folding.markers.end));
});
