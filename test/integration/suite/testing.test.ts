// The Test Explorer inside the real VS Code, against the project's test server: a third of the prompts get prose
// instead of an answer on their first request (invalid), and the server's answers are often wrong. Running the
// config from the Test Explorer shows its variants and their failures with diff messages in human terms; VS
// Code's "Rerun Failed Tests" asks exactly one request per invalid case; the case view shows the messages the
// server received and the raw answer it gave.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultAnswer, startTestServer, type TestServer } from '../../server/server';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import { failureOf, readRun, scoringContext, type CaseResult } from '../../../src/core';
import type { ShownCase } from '../../../src/extension/webviews/caseView';

let api: UbpExtensionApi;
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

/** Runs `action` and resolves when the Test Explorer run it starts has been reported. */
async function testRunOf(action: () => Thenable<unknown>): Promise<void> {
  const finished = new Promise<void>((resolve) => {
    const sub = api.tests.onDidFinishRun(() => {
      sub.dispose();
      resolve();
    });
  });
  await action();
  await finished;
}

describe('Test Explorer', () => {
  let server: TestServer;
  let config: string;
  before(async () => {
    api = await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
    server = await startTestServer({ faults: { rate: 0.3, kinds: ['nonjson'], maxPerPrompt: 1, seed: 11 } });
    config = path.join(ws(), 'it-tests.ubp.json');
    writeFileSync(
      config,
      JSON.stringify(
        {
          name: 'it-tests',
          dataset: { path: 'bundled:ml-latest-small' },
          task: { form: 'choice', users: 16, seed: 5 },
          // Priced at zero: a free run starts from the Test Explorer without the cost question.
          models: [
            {
              id: 'local-llm',
              baseUrl: server.url,
              model: 'test-model',
              price: { inputPerMTok: 0, outputPerMTok: 0 },
            },
          ],
          baselines: ['popularity'],
          run: { concurrency: 4, maxRetries: 0, timeoutMs: 10_000, cache: false },
        },
        null,
        2,
      ),
    );
  });
  after(async () => {
    await server.close();
  });

  it('runs a config from the Test Explorer: variants at their entries, failures with diff messages in human terms', async () => {
    await api.tests.load(true);
    const item = api.tests.controller.items.get(vscode.Uri.file(config).toString());
    assert.ok(item, 'the config is a test item');
    const variants = [...item.children].map(([, c]) => c);
    assert.deepEqual(variants.map((v) => v.label).sort(), [
      'baseline:popularity',
      'builtin-choice×local-llm',
    ]);
    const llm = variants.find((v) => v.label === 'builtin-choice×local-llm')!;
    const entryLine = readFileSync(config, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('"id": "local-llm"'));
    assert.equal(llm.range?.start.line, entryLine, 'the variant points at its model entry');

    await vscode.window.showTextDocument(vscode.Uri.file(config));
    await testRunOf(() => vscode.commands.executeCommand('testing.runCurrentFile'));
    assert.equal(
      server.stats().chatRequests,
      16,
      `one request per case; reported: ${JSON.stringify([...api.tests.reported])}`,
    );

    const [run] = api.services.runs.list().filter((r) => r.manifest.configFile === config);
    assert.ok(run, 'the run is in the run store');
    const { manifest, results } = await readRun(run.dir);
    const ctx = scoringContext(manifest);
    const failed = (variant: string) => results.filter((r) => r.variant === variant && failureOf(r, ctx));
    const llmFailed = failed('builtin-choice×local-llm');
    assert.ok(
      llmFailed.some((r) => r.outcome === 'invalid'),
      'some answers are invalid',
    );
    assert.ok(
      llmFailed.some((r) => failureOf(r, ctx) === 'wrong'),
      'some answers are wrong',
    );
    assert.equal(llm.children.size, llmFailed.length, 'a leaf per failed case');
    assert.equal(api.tests.reported.get(llm.id)?.state, 'failed');
    const baseline = variants.find((v) => v.label === 'baseline:popularity')!;
    assert.equal(baseline.children.size, failed('baseline:popularity').length);

    const leafOf = (r: CaseResult) => llm.children.get(`${llm.id}::${r.caseId}#${r.sample}`)!;
    const wrong = llmFailed.find((r) => failureOf(r, ctx) === 'wrong')!;
    const w = api.tests.reported.get(leafOf(wrong).id)!;
    assert.equal(w.state, 'failed');
    const chosen = String(wrong.prediction?.label);
    assert.ok(w.expected!.includes(wrong.target!.title), `expected names the true item: ${w.expected}`);
    assert.match(
      w.actual!,
      new RegExp(`^${chosen}\\b.*\\(.+\\)`),
      'predicted: the chosen item by label and title',
    );
    assert.notEqual(w.actual, w.expected);
    assert.match(w.message!, /^wrong: answered .+, expected .+/);
    const invalid = llmFailed.find((r) => r.outcome === 'invalid')!;
    const i = api.tests.reported.get(leafOf(invalid).id)!;
    assert.match(i.message!, /^invalid: /);
    assert.equal(i.actual, invalid.raw, 'an invalid answer shows the raw text');
  });

  it('"Rerun Failed Tests" sends exactly one request per invalid case, and they then pass or fail as answered', async () => {
    const [run] = api.services.runs.list().filter((r) => r.manifest.configFile === config);
    const before = await readRun(run.dir);
    const invalid = before.results.filter((r) => r.outcome === 'invalid');
    const requests = server.stats().chatRequests;
    await testRunOf(() => vscode.commands.executeCommand('testing.reRunFailTests'));
    assert.equal(
      server.stats().chatRequests - requests,
      invalid.length,
      'one request per invalid case, no more',
    );
    const after = await readRun(run.dir);
    assert.equal(after.manifest.totals.invalid, 0, 'the second answers are valid');
    assert.equal(after.manifest.startedAt, before.manifest.startedAt);
    assert.equal(after.manifest.reruns?.length, 1);
    const ctx = scoringContext(after.manifest);
    const item = api.tests.controller.items.get(vscode.Uri.file(config).toString())!;
    const llm = item.children.get(`${item.id}::builtin-choice×local-llm`)!;
    for (const r of invalid) {
      const now = after.results.find((x) => x.caseId === r.caseId && x.variant === r.variant)!;
      const leaf = llm.children.get(`${llm.id}::${r.caseId}#0`);
      if (failureOf(now, ctx)) assert.equal(api.tests.reported.get(leaf!.id)?.state, 'failed');
      else assert.equal(leaf, undefined, `${r.caseId} now passes and leaves the tree`);
    }
  });

  it('the case view shows the messages the server received and the raw answer it gave', async () => {
    const [run] = api.services.runs.list().filter((r) => r.manifest.configFile === config);
    const { manifest, results } = await readRun(run.dir);
    const ctx = scoringContext(manifest);
    const wrong = results.find((r) => r.model === 'local-llm' && failureOf(r, ctx) === 'wrong')!;
    const shown = (await vscode.commands.executeCommand('ubp.openCase', {
      dir: run.dir,
      caseId: wrong.caseId,
      variant: wrong.variant,
      sample: 0,
    })) as ShownCase;
    await shown.rendered;
    const d = shown.data;
    const received = server
      .stats()
      .log.filter((l) => l.body?.messages)
      .map((l) => l.body!.messages as { role: string; content: string }[]);
    assert.ok(
      received.some((m) => JSON.stringify(m) === JSON.stringify(d.messages)),
      'the messages are exactly those the server received',
    );
    assert.equal(d.raw, defaultAnswer(d.messages), 'the raw answer is the one the server gave');
    assert.equal(d.failure, 'wrong');
    assert.ok(d.position && d.position.total >= 1);
    const marked = d.candidates.filter((c) => c.expected || c.chosen);
    assert.equal(marked.length, 2, 'the true item and the chosen one are marked');
    assert.equal(d.candidates.find((c) => c.expected)!.title, wrong.target!.title);
    const next = await api.caseViews.navigate(1);
    assert.ok(next);
    await next.rendered;
    assert.notEqual(next.data.caseId, d.caseId, 'next failure');
  });
});
