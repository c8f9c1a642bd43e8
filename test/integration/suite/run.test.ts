// "Run UBP Eval" end to end inside the real VS Code, against the project's local OpenAI-compatible server:
// the run finishes and the Runs tree shows it with its metrics; a cancelled run resumes without repeating a
// finished case; a key is only ever sent to the origin it was stored for.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startTestServer, type TestServer } from '../../server/server';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import type { RunEvalResult } from '../../../src/extension/commands/runEval';
import type { RunsNode } from '../../../src/extension/views/runsView';

let api: UbpExtensionApi;
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function writeConfig(name: string, models: object[], users = 12, extra: object = {}): string {
  const file = path.join(ws(), `${name}.ubp.json`);
  const config = {
    name,
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users, seed: 3 },
    models,
    baselines: ['popularity'],
    run: { concurrency: 4, maxRetries: 2, timeoutMs: 10_000, cache: false },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function resultLines(dir: string): { caseId: string; variant: string; sample: number; outcome: string }[] {
  return readFileSync(path.join(dir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

before(async () => {
  api = await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
});

describe('Run UBP Eval', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('runs a config through the command and shows the run with its metrics in the Runs tree', async () => {
    const config = writeConfig('it-run', [{ id: 'local-llm', baseUrl: server.url, model: 'test-model' }]);
    const result = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['local-llm', 'popularity'],
    })) as RunEvalResult;
    assert.ok(result, 'the command returns the run');
    assert.equal(result.summary.status, 'done');
    const t = result.summary.totals;
    assert.equal(t.success + t.invalid + t.error, t.units);
    assert.equal(t.units, 24, '12 cases × (1 model + 1 baseline)');
    assert.equal(server.stats().chatRequests, 12, 'one request per case for the model');

    const runsView = api.views.runs;
    const groups = (await runsView.getChildren()) as RunsNode[];
    const group = groups.find((g) => g.kind === 'group' && g.name === 'it-run');
    assert.ok(
      group,
      `a group for the eval; groups: ${groups.map((g) => (g.kind === 'group' ? g.name : g.kind)).join(', ')}`,
    );
    const [runNode] = (await runsView.getChildren(group)) as RunsNode[];
    const runItem = runsView.getTreeItem(runNode);
    assert.equal(runItem.label, 'done · 24/24', 'status and the key figure first');
    assert.match(String(runItem.description), /^choice · .*\d/);
    const variants = (await runsView.getChildren(runNode)) as RunsNode[];
    const labels = variants.map((v) => {
      const item = runsView.getTreeItem(v);
      return `${typeof item.label === 'string' ? item.label : item.label?.label} ${item.description}`;
    });
    assert.equal(labels.length, 2, labels.join(' | '));
    for (const l of labels)
      assert.match(
        l,
        /^(local-llm|baseline:popularity) · \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] (\S+ \()?HR@1\)? · invalid \d+\.\d%/,
        'whose figure, then the figure',
      );

    // Export: one row per case and variant, the raw answer in its own column.
    const out = path.join(ws(), 'it-run-export.csv');
    assert.equal(
      await vscode.commands.executeCommand('ubp.exportRun', result.dir, { format: 'csv', out }),
      out,
    );
    const csv = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    assert.equal(csv.length, 1 + 24);
    assert.ok(csv[0].split(',').includes('raw'));
    // Reveal works in this web host (no OS file manager here): it reveals in the Explorer.
    await vscode.commands.executeCommand('ubp.revealRun', result.dir);
  });

  it('cancels a run mid-way and resumes it without repeating a finished case', async () => {
    server.reset();
    // Slow enough answers that the cancel always finds requests in flight, even on a loaded machine.
    server.setLatency(400);
    const config = writeConfig(
      'it-cancel',
      [{ id: 'slow-llm', baseUrl: server.url, model: 'test-model' }],
      30,
      { baselines: [] },
    );
    const running = vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['slow-llm'],
    }) as Thenable<RunEvalResult>;
    // Cancel once a few answers are in: wait on the run's own progress, not on time.
    await new Promise<void>((resolve) => {
      const sub = api.services.runs.onDidChange(() => {
        const active = api.services.runs.activeRuns();
        if (active.some(([, a]) => (a.progress?.done ?? 0) >= 5)) {
          sub.dispose();
          resolve();
        }
      });
    });
    // The requests in flight at this moment: their connections must close within a second of the cancel.
    const hanging = server
      .stats()
      .log.filter((r) => r.path.endsWith('/chat/completions') && r.respondedAt === undefined && !r.aborted);
    const cancelledAt = Date.now();
    assert.equal(await vscode.commands.executeCommand('ubp.cancelRun'), true);
    const first = await running;
    assert.equal(first.summary.status, 'cancelled');
    const finishedBefore = new Set(
      resultLines(first.dir)
        .filter((r) => r.outcome !== 'error')
        .map((r) => r.caseId),
    );
    assert.ok(
      finishedBefore.size >= 5 && finishedBefore.size < 30,
      `${finishedBefore.size} finished before the cancel`,
    );
    assert.ok(hanging.length > 0, 'some requests were in flight at the cancel');
    // When each one ended: its answer was already on its way, or its connection was cut.
    const endedAt = (r: (typeof hanging)[number]) =>
      server.stats().connections.find((c) => c.id === r.connection)?.closedAt ?? r.respondedAt;
    // Wait on the server's own records (sockets close a few ticks after the abort), five seconds at most.
    while (hanging.some((r) => endedAt(r) === undefined) && Date.now() < cancelledAt + 5000)
      await new Promise((resolve) => setImmediate(resolve));
    for (const r of hanging) {
      const ended = endedAt(r);
      assert.ok(
        ended !== undefined && ended - cancelledAt < 1000,
        `request ${r.seq} ended ${ended === undefined ? 'never' : `${Math.round(ended - cancelledAt)} ms after the cancel`}`,
      );
    }

    const requestsBefore = new Map(server.stats().answeredByPrompt);
    server.setLatency(0);
    const resumed = (await vscode.commands.executeCommand('ubp.resumeRun', first.dir)) as RunEvalResult;
    assert.equal(resumed.runId, first.runId, 'the same run resumes');
    assert.equal(resumed.summary.status, 'done');
    const lines = resultLines(resumed.dir);
    const finalByCase = new Map<string, string>();
    for (const l of lines) finalByCase.set(l.caseId, l.outcome);
    assert.equal(finalByCase.size, 30, 'every case has a result');
    for (const id of finishedBefore)
      assert.equal(lines.filter((l) => l.caseId === id).length, 1, `case ${id} was not run twice`);
    let repeated = 0;
    for (const [prompt, n] of server.stats().answeredByPrompt)
      if ((requestsBefore.get(prompt) ?? 0) > 0 && n > (requestsBefore.get(prompt) ?? 0)) repeated++;
    assert.equal(repeated, 0, 'the server saw no second request for an answered case');
  });
});

describe('API keys', () => {
  let a: TestServer;
  let b: TestServer;
  const key = process.env.UBP_TEST_SECRET ?? 'sk-ubp-integration-test-key-0001';
  before(async () => {
    a = await startTestServer({ apiKey: key });
    b = await startTestServer();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('sends a stored key only to the origin it was stored for', async () => {
    assert.equal(await vscode.commands.executeCommand('ubp.setApiKey', a.url, key), true);
    const config = writeConfig(
      'it-keys',
      [
        { id: 'on-a', baseUrl: a.url, model: 'm' },
        { id: 'on-b', baseUrl: b.url, model: 'm' },
      ],
      5,
      { baselines: [] },
    );
    const result = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['on-a', 'on-b'],
    })) as RunEvalResult;
    assert.equal(result.summary.status, 'done');
    assert.equal(result.summary.totals.error, 0, 'server A accepted the key (it answers 401 without it)');
    const authA = a
      .stats()
      .log.filter((r) => r.path.endsWith('/chat/completions'))
      .map((r) => r.headers.authorization);
    assert.ok(authA.length === 5 && authA.every((h) => h === `Bearer ${key}`));
    const authB = b.stats().log.map((r) => String(r.headers.authorization ?? ''));
    assert.equal(b.stats().chatRequests, 5);
    assert.ok(
      authB.every((h) => !h.includes(key)),
      'server B never saw the key',
    );
    // The key is in no run file.
    for (const f of ['manifest.json', 'results.jsonl'])
      assert.ok(!readFileSync(path.join(result.dir, f), 'utf8').includes(key), `${f} holds no key`);
    await vscode.commands.executeCommand('ubp.clearApiKey', a.url);
    assert.equal(await api.services.keys.hasStored(a.url), false);
  });
});
