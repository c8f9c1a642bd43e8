// A new user's walk through runs that go wrong, inside the real VS Code against the project's test server: a
// wrong key stops that model and says so, a hanging endpoint times out naming the limit, Resume continues the
// very run it was asked for (or says why it cannot), Re-run Failed asks exactly the failed units.
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startTestServer, type TestServer } from '../../server/server';
import type { RunEvalResult } from '../../../src/extension/commands/runEval';
import type { RerunResult } from '../../../src/extension/commands/runManagement';
import type { UbpExtensionApi } from '../../../src/extension/extension';

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function writeConfig(
  name: string,
  models: object[],
  users: number,
  run: object = {},
  task: object = {},
): string {
  const file = path.join(ws(), `${name}.ubp.json`);
  const config = {
    name,
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users, seed: 3, ...task },
    models,
    baselines: models.length ? [] : ['popularity'], // a config without models runs a baseline
    run: { concurrency: 2, maxRetries: 0, timeoutMs: 10_000, cache: false, ...run },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const lines = (dir: string): { caseId: string; variant: string; outcome: string; reason?: string }[] =>
  readFileSync(path.join(dir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const runFolders = (): string[] => {
  const dir = path.join(ws(), '.ubp', 'runs');
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('walk: runs that go wrong', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    server.setFaults(undefined);
  });

  it('a 401 stops that model at once: the run fails naming the model, it does not run to the end', async () => {
    server.setFaults({ script: [{ match: /./, faults: ['401', '401', '401', '401'] }] });
    const config = writeConfig('walk-401', [{ id: 'bad-key', baseUrl: server.url, model: 'test-model' }], 20);
    const r = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['bad-key'],
    })) as RunEvalResult;
    assert.equal(r.summary.status, 'failed');
    assert.deepEqual(
      r.summary.stoppedModels?.map((m) => m.model),
      ['bad-key'],
    );
    assert.match(r.summary.error ?? '', /bad-key.*401/);
    const sent = server.stats().log.filter((l) => l.path.endsWith('/chat/completions')).length;
    assert.ok(sent < 20, `${sent} requests sent after a 401`);
  });

  it('a hanging endpoint times out with the limit named in the error', async () => {
    server.setFaults({ script: [{ match: /./, faults: ['hang'] }], hangMs: 30_000 });
    const config = writeConfig('walk-hang', [{ id: 'hangs', baseUrl: server.url, model: 'test-model' }], 2, {
      timeoutMs: 1500,
    });
    const r = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['hangs'],
    })) as RunEvalResult;
    const errors = lines(r.dir).filter((l) => l.outcome === 'error');
    assert.ok(errors.length > 0, 'the hanging requests ended in error');
    for (const e of errors) assert.match(e.reason ?? '', /1500 ms|1\.5 ?s/, e.reason);
  });

  it('Resume on a run whose config changed since does not silently start another run', async () => {
    const config = writeConfig('walk-resume', [{ id: 'ok', baseUrl: server.url, model: 'test-model' }], 4);
    const first = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['ok'],
      limit: 2,
    })) as RunEvalResult;
    assert.equal(lines(first.dir).length, 2);
    // The user edits the config in a way that changes the cases: the old run can no longer be continued.
    writeConfig('walk-resume', [{ id: 'ok', baseUrl: server.url, model: 'test-model' }], 4, {}, { seed: 4 });
    const before = runFolders();
    const resumed = (await vscode.commands.executeCommand('ubp.resumeRun', first.dir)) as
      RunEvalResult | undefined;
    assert.equal(resumed?.runId ?? first.runId, first.runId, 'no other run was resumed or started');
    assert.deepEqual(runFolders(), before, 'no new run folder');
    assert.equal(lines(first.dir).length, 2, 'the old run is untouched');
  });

  it('Resume on an older run of a config that has a newer one resumes the one asked for, or says why not', async () => {
    const config = writeConfig('walk-older', [{ id: 'ok', baseUrl: server.url, model: 'test-model' }], 4);
    const older = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['ok'],
      limit: 1,
    })) as RunEvalResult;
    const newer = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['ok'],
      limit: 1,
      fresh: true,
    })) as RunEvalResult;
    assert.notEqual(newer.runId, older.runId);
    const resumed = (await vscode.commands.executeCommand('ubp.resumeRun', older.dir)) as
      RunEvalResult | undefined;
    if (resumed) assert.equal(resumed.runId, older.runId, 'the run asked for is the one resumed');
    assert.equal(lines(newer.dir).length, 1, 'the newer run is untouched');
  });

  it('Re-run Failed asks exactly the failed units again', async () => {
    // Every prompt's first answer is prose (invalid); a second request gets a normal answer.
    server.setFaults({ script: [{ match: /./, faults: ['nonjson'] }] });
    const config = writeConfig('walk-rerun', [{ id: 'flaky', baseUrl: server.url, model: 'test-model' }], 5);
    const r = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['flaky'],
    })) as RunEvalResult;
    const invalid = lines(r.dir).filter((l) => l.outcome === 'invalid').length;
    assert.equal(invalid, 5);
    const sentBefore = server.stats().log.filter((l) => l.path.endsWith('/chat/completions')).length;
    const rerun = (await vscode.commands.executeCommand('ubp.rerunFailed', r.dir)) as RerunResult;
    assert.equal(rerun.units, 5);
    const sentAfter = server.stats().log.filter((l) => l.path.endsWith('/chat/completions')).length;
    assert.equal(sentAfter - sentBefore, 5, 'one request per failed unit');
    const again = (await vscode.commands.executeCommand('ubp.rerunFailed', r.dir)) as RerunResult;
    assert.equal(again.units, 0, 'nothing left to re-run, and it says so');
  });

  it('Export says how many unreadable lines it skipped, and a path it cannot write is an error message, not a throw', async () => {
    const api = await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
    const config = writeConfig('walk-export', [], 6);
    const r = (await vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['popularity'],
    })) as RunEvalResult;
    // A hand-edited line the report cannot score (an unknown outcome) after a good one.
    const [first] = readFileSync(path.join(r.dir, 'results.jsonl'), 'utf8').split('\n');
    appendFileSync(
      path.join(r.dir, 'results.jsonl'),
      `${JSON.stringify({ ...JSON.parse(first), outcome: 'bogus' })}\n`,
    );
    const warned: string[] = [];
    const log = api.services.log;
    const warn = log.warn.bind(log);
    log.warn = (m: string, ...rest: unknown[]) => {
      warned.push(m);
      warn(m, ...rest);
    };
    try {
      const out = path.join(ws(), 'walk-export.csv');
      assert.equal(await vscode.commands.executeCommand('ubp.exportRun', r.dir, { format: 'csv', out }), out);
      assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 1 + 6, 'the six scored rows');
      assert.ok(
        warned.some((w) => /1 unreadable line .* was skipped: exported 6 rows/.test(w)),
        `warned: ${JSON.stringify(warned)}`,
      );
    } finally {
      log.warn = warn;
    }
    const bad = path.join(ws(), 'no-such-folder', 'x.csv');
    assert.equal(
      await vscode.commands.executeCommand('ubp.exportRun', r.dir, { format: 'csv', out: bad }),
      undefined,
    );
  });

  it('CodeLens shows the figures of the default baselines of a config that names none (as New Eval writes it)', async () => {
    const file = path.join(ws(), 'walk-lens.ubp.json');
    const config = {
      name: 'walk-lens',
      dataset: { path: 'bundled:ml-latest-small' },
      task: { form: 'choice', users: 6, seed: 1 },
      models: [],
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    const r = (await vscode.commands.executeCommand('ubp.runEval', file, {
      confirm: false,
      models: ['popularity'],
    })) as RunEvalResult;
    assert.equal(r.summary.status, 'done');
    const doc = await vscode.workspace.openTextDocument(file);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      doc.uri,
    );
    const titles = lenses.map((l) => l.command?.title ?? '');
    const figure = lenses.find((l) => /^baseline:popularity: /.test(l.command?.title ?? ''));
    assert.ok(figure, `lenses: ${JSON.stringify(titles)}`);
    assert.equal(doc.lineAt(figure.range.start.line).text.trim(), '"form": "choice",');
  });

  it('Cancel Run on a run not going on in this window never cancels the run that is', async () => {
    const other = writeConfig('walk-cancel-other', [], 4);
    const finished = (await vscode.commands.executeCommand('ubp.runEval', other, {
      confirm: false,
      models: ['popularity'],
    })) as RunEvalResult;
    server.setLatency(300);
    const config = writeConfig('walk-cancel', [{ id: 'slow', baseUrl: server.url, model: 'test-model' }], 8);
    const api = await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const running = vscode.commands.executeCommand('ubp.runEval', config, {
      confirm: false,
      models: ['slow'],
      onStarted: () => started(),
    }) as Thenable<RunEvalResult>;
    await isStarted;
    assert.equal(api.services.runs.activeRuns().length, 1);
    // The tree row of the other run (as if `ubp run` were writing it in a terminal).
    assert.equal(await vscode.commands.executeCommand('ubp.cancelRun', finished.dir), false);
    const r = await running;
    server.setLatency(0);
    assert.equal(r.summary.status, 'done', 'the run going on was not cancelled');
  });
});
