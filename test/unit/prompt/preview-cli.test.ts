// `ubp preview` through main(), on a small MovieLens-shaped fixture (test/fixtures/prompt/ml-tiny).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';
import { countTokens, estimateCost, expectedAnswerTokens } from '../../../src/core/prompt';

const repoRoot = path.resolve(__dirname, '../../..');
const fixtures = path.join(repoRoot, 'test/fixtures/prompt');

async function run(args: string[], cwd = repoRoot): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, cwd, env: {} };
  const code = await main(['preview', ...args], io);
  return { code, out, err };
}

test('renders a case of a config with per-message tokens, and the cost of the case and of the eval', async () => {
  const r = await run(['test/fixtures/prompt/tiny.ubp.json', '--prompt', '1', '--case', '1', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.prompt, 'test/fixtures/prompt/custom.prompt');
  assert.equal(j.case.index, 1);
  assert.deepEqual(j.diagnostics, []);
  assert.equal(j.messages.length, 1);
  assert.equal(j.messages[0].role, 'user');
  assert.match(j.messages[0].content, /^\d+ watched .+\.\nOptions: A\) .+ B\) .+ C\) .+$/);
  // The counts are the tokenizer's, for the config's first model (gpt-4o-mini: o200k_base).
  const counted = await countTokens(j.messages, 'gpt-4o-mini');
  assert.deepEqual(j.tokens.perMessage, counted.perMessage);
  assert.equal(j.tokens.total, counted.total);
  assert.equal(j.tokens.encoding, 'o200k_base');
  const answer = expectedAnswerTokens('choice', 3);
  assert.equal(j.caseCost.costUsd, estimateCost({ input: counted.total, output: answer }, j.price));
  // The eval: 3 cases x 2 samples, every case counted.
  assert.equal(j.eval.requests, 6);
  assert.equal(j.eval.measuredCases, 3);
  assert.equal(j.eval.outputTokens, 6 * answer);
  assert.ok(
    Math.abs(
      j.eval.costUsd - estimateCost({ input: j.eval.inputTokens, output: j.eval.outputTokens }, j.price),
    ) < 1e-12,
  );
});

test('the text output shows each message by role with its tokens, then tokens and cost', async () => {
  const r = await run(['test/fixtures/prompt/tiny.ubp.json']);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /^builtin:choice · case 0 of 3 \(id [^)]+\) · test\/fixtures\/prompt\/tiny\.ubp\.json: 3 choice case\(s\) from ml-tiny\n/,
  );
  assert.match(r.out, /\n── system · \d+ tokens ──\nYou predict/);
  assert.match(r.out, /\n── user · \d+ tokens ──\nHere are the \d+ most recent ratings/);
  assert.match(
    r.out,
    /\ntokens: \d+ prompt tokens for gpt-4o-mini, counted with o200k_base \(exact for gpt-4o-mini\)\n/,
  );
  assert.match(r.out, /\ncost: {3}\$[\d.e-]+ this case .*; \$[\d.e-]+ the whole eval \(6 requests, /);
});

test('a case can be picked by id, and the model by config id (its tokenizer approximated and said so)', async () => {
  const first = JSON.parse((await run(['test/fixtures/prompt/tiny.ubp.json', '--case', '2', '--json'])).out);
  const byId = await run([
    'test/fixtures/prompt/tiny.ubp.json',
    '--case',
    first.case.id,
    '--model',
    'local',
    '--json',
  ]);
  assert.equal(byId.code, 0, byId.err);
  const j = JSON.parse(byId.out);
  assert.equal(j.case.index, 2);
  assert.deepEqual(j.messages, first.messages);
  assert.equal(j.model, 'llama3.1:8b');
  assert.equal(j.tokens.exact, false);
  assert.match(j.tokens.note, /approximation/);
  assert.equal(j.price, null);
  assert.equal(j.caseCost.costUsd, null);
  const text = await run(['test/fixtures/prompt/tiny.ubp.json', '--model', 'local']);
  assert.match(text.out, /cost: {3}no price for llama3\.1:8b/);
});

test('diagnostics print as file:line:col with a non-zero exit, and the broken template is not rendered', async () => {
  const r = await run(['test/fixtures/prompt/broken.ubp.json', '--prompt', '1']);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    'test/fixtures/prompt/broken.prompt:6:43: error: "c" (candidate) has no field "lable" (did you mean "label"?)\n' +
      'test/fixtures/prompt/broken.prompt:6:71: error: unknown variable "usr" (did you mean "user"?)\n',
  );
  assert.match(r.out, /not rendered: the template has errors/);
  // The valid template of the same config still renders, but the exit says the config has a broken template.
  const other = await run(['test/fixtures/prompt/broken.ubp.json', '--json']);
  assert.equal(other.code, 1);
  const j = JSON.parse(other.out);
  assert.ok(j.messages.length === 2);
  assert.deepEqual(
    j.diagnostics.map((d: { line: number; column: number; code: string }) => [d.line, d.column, d.code]),
    [
      [6, 43, 'unknown-field'],
      [6, 71, 'unknown-variable'],
    ],
  );
});

test('a .prompt file alone renders the built-in sample case of its form', async () => {
  const r = await run(['custom.prompt', '--json'], fixtures);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.prompt, 'custom.prompt');
  assert.equal(j.case.id, 'sample-choice');
  assert.match(
    j.messages[0].content,
    /^1 watched Toy Story \(1995\); .*Matrix, The \(1999\)\.\nOptions: A\) Titanic \(1997\)/,
  );
  assert.match(j.source, /sample choice case/);
});

test('a .prompt file with --config renders that config’s cases; errors exit 1', async () => {
  const r = await run(['custom.prompt', '--config', 'tiny.ubp.json', '--case', '0', '--json'], fixtures);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).eval.requests, 6);
  const bad = await run(['broken.prompt'], fixtures);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^broken\.prompt:6:43: error: /);
});

test('misuse and a missing file both exit 1 (exitCodes.ts), with different messages', async () => {
  assert.equal((await run([])).code, 1);
  const caseOut = await run(['test/fixtures/prompt/tiny.ubp.json', '--case', '99']);
  assert.equal(caseOut.code, 1);
  assert.match(caseOut.err, /--case 99: there are 3 case\(s\) \(0\.\.2\)/);
  assert.equal((await run(['test/fixtures/prompt/tiny.ubp.json', '--prompt', '5'])).code, 1);
  assert.equal((await run(['test/fixtures/prompt/tiny.ubp.json', '--case', 'nope'])).code, 1);
  assert.equal((await run(['x.prompt', '--form', 'essay'], fixtures)).code, 1);
  const missing = await run(['nothing.prompt'], fixtures);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read nothing\.prompt: ENOENT/);
});

test('the shipped default config previews with the built-in choice template', async () => {
  const r = await run(['configs/default.ubp.json', '--case', '0', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.prompt, 'builtin:choice');
  assert.equal(j.eval.requests, 200);
  assert.match(j.messages[1].content, /^A\. /m);
});
