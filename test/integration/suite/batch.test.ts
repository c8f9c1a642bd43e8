// Batch mode in the real VS Code, against the project's test server (its /v1/files and /v1/batches emulation
// moves a batch one state per status poll): "Run UBP Eval" in batch mode, the poller following the batch to its
// end and importing the answers into the run, the Runs tree's batch row, Cancel Batch reaching the provider, and
// a failed poll shown in the row.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startTestServer, type TestServer } from '../../server/server';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import type { RunEvalResult } from '../../../src/extension/commands/runEval';
import type { RunsNode } from '../../../src/extension/views/runsView';
import type { PollOutcome } from '../../../src/extension/services/batchPoller';

let api: UbpExtensionApi;
const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function writeConfig(name: string, server: TestServer): string {
  const file = path.join(ws(), `${name}.ubp.json`);
  const config = {
    name,
    dataset: { path: 'bundled:ml-latest-small' },
    task: { form: 'choice', users: 6, seed: 5 },
    models: [{ id: 'batch-llm', baseUrl: server.url, model: 'test-model' }],
    baselines: ['popularity'],
    run: { cache: false },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

interface Line {
  variant: string;
  /** null for a baseline. */
  template: string | null;
  outcome: string;
}
const resultLines = (dir: string): Line[] =>
  readFileSync(path.join(dir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const manifestOf = (dir: string): { status: string } =>
  JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { status: string };
const batchesOf = (dir: string): { batchId?: string; status: string }[] =>
  (
    JSON.parse(readFileSync(path.join(dir, 'batch', 'batches.json'), 'utf8')) as {
      batches: { batchId?: string; status: string }[];
    }
  ).batches;

/** Resolves with the first poll of `dir` that `pred` accepts (subscribe before causing it). */
function nextPoll(dir: string, pred: (o: PollOutcome) => boolean): Promise<PollOutcome> {
  return new Promise((resolve) => {
    const sub = api.batches.onDidPoll((outcomes) => {
      const o = outcomes.find((x) => path.resolve(x.dir) === path.resolve(dir));
      if (o && pred(o)) {
        sub.dispose();
        resolve(o);
      }
    });
  });
}

async function setPollSeconds(s: number): Promise<void> {
  await vscode.workspace
    .getConfiguration('ubp')
    .update('batch.pollSeconds', s, vscode.ConfigurationTarget.Workspace);
}

/** The Runs tree's row of a run, as VS Code renders it. */
async function runRow(dir: string): Promise<vscode.TreeItem> {
  const view = api.views.runs;
  for (const g of (await view.getChildren()) as RunsNode[]) {
    for (const n of (await view.getChildren(g)) as RunsNode[])
      if (n.kind === 'run' && path.resolve(n.run.dir) === path.resolve(dir)) return view.getTreeItem(n);
  }
  assert.fail(`no row for ${dir} in the Runs tree`);
}
/** A row's tooltip as read: markdown's escapes of the text parts undone. */
const tooltipOf = (item: vscode.TreeItem): string =>
  (item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip)).replace(
    /\\([\\`*_{}[\]()#+\-.!<>~|$])/g,
    '$1',
  );

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function submit(config: string): Promise<RunEvalResult> {
  const result = (await vscode.commands.executeCommand('ubp.runEval', config, {
    models: ['batch-llm', 'popularity'],
    mode: 'batch',
  })) as RunEvalResult | undefined;
  assert.ok(result, 'the command returns the run');
  assert.equal(result.summary.status, 'batch', 'the run waits on its batch');
  return result;
}

before(async () => {
  api = await vscode.extensions.getExtension<UbpExtensionApi>('ubp-eval.ubp-eval')!.activate();
});

describe('Batch mode in the Runs tree', () => {
  let server: TestServer;
  const dirs: string[] = [];
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await setPollSeconds(0);
    // No run of this suite may keep the poller busy for the suites after it.
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await server.close();
    await vscode.workspace
      .getConfiguration('ubp')
      .update('batch.pollSeconds', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('submits a batch run; the poller follows it to its end and imports the answers into the run', async () => {
    await setPollSeconds(0);
    const config = writeConfig('it-batch', server);
    const result = await submit(config);
    dirs.push(result.dir);
    const row = await runRow(result.dir);
    assert.equal(row.label, 'batch · 0 of 1 done · 0/6 requests');
    assert.equal(row.contextValue, 'run.batch.open', 'Cancel Batch is on offer');
    const tip = tooltipOf(row);
    assert.match(
      tip,
      /\d{3}-batch-llm · batch-llm · batch_\d+: validating · 0\/6 done · created .+ · expires \S/,
      tip,
    );
    assert.equal(server.stats().chatRequests, 0, 'nothing sent interactively');

    // From now on the poller's: subscribe before its first poll can land.
    const finished = nextPoll(result.dir, (o) => o.finished);
    await setPollSeconds(1);
    const end = await finished;
    assert.equal(end.imported, 6, 'the six answers imported by the poll that saw the batch end');
    assert.equal(end.status, 'done');
    const lines = resultLines(result.dir);
    assert.equal(lines.filter((l) => l.template !== null).length, 6);
    assert.equal(lines.length, 12, '6 cases × (the model + the baseline)');
    assert.equal(manifestOf(result.dir).status, 'done');
    assert.equal(server.stats().chatRequests, 0, 'the answers came from the batch');
    // The row is an ordinary finished run again, and no run is left for the poller.
    const after = await runRow(result.dir);
    assert.equal(after.label, 'done · 12/12');
    assert.equal(after.contextValue, 'run.done');
    assert.deepEqual(await api.batches.openRuns(), []);
    // Three state steps: validating → in_progress → finalizing → completed, one per poll, then nothing more.
    const polls = server.stats().log.filter((r) => r.method === 'GET' && /\/v1\/batches\//.test(r.path));
    assert.equal(polls.length, 3, polls.map((p) => p.path).join(', '));
  });

  it('Delete Run refuses a run whose batch is still open at the provider (it would go on, billed, unimported)', async () => {
    await setPollSeconds(0);
    const result = await submit(writeConfig('it-batch-delete', server));
    dirs.push(result.dir);
    assert.equal(
      await vscode.commands.executeCommand('ubp.deleteRun', result.dir, { confirm: false }),
      false,
    );
    assert.ok(existsSync(path.join(result.dir, 'manifest.json')), 'the run folder is kept');
    // Out of the way of the poller for the tests after this one.
    rmSync(result.dir, { recursive: true, force: true });
  });

  it('Cancel Batch asks the provider to cancel, and the answers made before are imported', async () => {
    await setPollSeconds(0);
    server.reset();
    server.batches.setRequestsPerPoll(2);
    const config = writeConfig('it-batch-cancel', server);
    const result = await submit(config);
    dirs.push(result.dir);
    // Two polls asked for at once: validating → in_progress, then two answers. They queue: with each status answer
    // held back 300 ms, the server never has two status requests in flight.
    server.batches.setStatusDelay(300);
    const statuses = await Promise.all([
      vscode.commands.executeCommand('ubp.refreshBatchStatus', result.dir),
      vscode.commands.executeCommand('ubp.refreshBatchStatus', result.dir),
    ]);
    server.batches.setStatusDelay(0);
    assert.deepEqual(statuses, ['batch', 'batch']);
    assert.equal(
      server.stats().log.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/batches/')).length,
      2,
    );
    assert.equal(server.batches.stats().maxStatusInFlight, 1, 'never two polls at once');
    assert.equal((await runRow(result.dir)).label, 'batch · 0 of 1 done · 2/6 requests');

    const cancelled = (await vscode.commands.executeCommand('ubp.cancelBatch', result.dir, {
      confirm: false,
    })) as { batchId: string; status: string }[];
    assert.equal(cancelled.length, 1);
    const [batch] = batchesOf(result.dir);
    assert.equal(batch!.status, 'cancelling');
    const cancels = server
      .stats()
      .log.filter((r) => r.method === 'POST' && r.path === `/v1/batches/${batch!.batchId}/cancel`);
    assert.equal(cancels.length, 1, 'the server saw one cancel of the batch');
    // Nothing left to cancel: the row no longer offers it.
    const row = await runRow(result.dir);
    assert.equal(row.contextValue, 'run.batch');
    assert.equal(row.label, 'batch cancelling · 0 of 1 done · 2/6 requests');

    // The poller, switched on, sees the batch stop and imports the two answers made before the cancel.
    const finished = nextPoll(result.dir, (o) => o.finished);
    await setPollSeconds(1);
    const end = await finished;
    assert.equal(end.imported, 2);
    assert.equal(end.status, 'cancelled', 'four units were never answered: the run can be resumed');
    assert.equal(resultLines(result.dir).filter((l) => l.template !== null).length, 2);
    assert.equal(server.stats().chatRequests, 0);
  });

  it('the poller pauses while the window is unfocused and polls once when focus comes back', async () => {
    await setPollSeconds(0);
    server.reset();
    const config = writeConfig('it-batch-focus', server);
    const result = await submit(config);
    dirs.push(result.dir);
    const statusPolls = () =>
      server.stats().log.filter((r) => r.method === 'GET' && /\/v1\/batches\//.test(r.path)).length;
    assert.equal(vscode.window.state.focused, true, 'the test window starts focused');
    api.batches.setFocused(false);
    // Polling switched on every second while unfocused: the poll that comes due is put off.
    await setPollSeconds(1);
    assert.equal(api.batches.armed, false, 'no timer while unfocused');
    assert.equal(api.batches.paused, true);
    // Three intervals' worth of time: a poller that ignored focus would have polled three times.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(statusPolls(), 0, 'no poll while unfocused');
    // An hour's interval now: a poll that comes after focus returns can only be the one focus asks for
    // (at once, or within 10 s of the poll before it).
    await setPollSeconds(3600);
    const polled = nextPoll(result.dir, () => true);
    api.batches.setFocused(true);
    assert.equal(api.batches.paused, false);
    const o = await polled;
    assert.equal(o.error, undefined);
    assert.equal(statusPolls(), 1, 'one poll on focus, then the interval');
    assert.equal(o.status, 'batch');
    await until('the next poll armed', () => (api.batches.armed ? true : undefined));
    assert.equal(statusPolls(), 1);
    await setPollSeconds(0);
  });

  it('a failed poll shows in the row and its tooltip, and polling goes on', async () => {
    await setPollSeconds(0);
    const dead = await startTestServer();
    const config = writeConfig('it-batch-error', dead);
    const result = await submit(config);
    dirs.push(result.dir);
    await dead.close();
    const failed = nextPoll(result.dir, (o) => o.error !== undefined);
    const again = new Promise<PollOutcome>((resolve) => {
      let seen = 0;
      const sub = api.batches.onDidPoll((outcomes) => {
        const o = outcomes.find((x) => path.resolve(x.dir) === path.resolve(result.dir));
        if (o?.error && ++seen === 2) {
          sub.dispose();
          resolve(o);
        }
      });
    });
    await setPollSeconds(1);
    const o = await failed;
    const row = await runRow(result.dir);
    assert.match(String(row.description), /^last poll failed · /);
    assert.match(tooltipOf(row), /Last poll failed/);
    assert.ok(api.batches.errorOf(result.dir), 'kept for the row');
    assert.ok(o.error && o.error.length > 0);
    // The next timed poll comes anyway (the batch is still open), with the same error.
    assert.equal((await again).error, o.error);
    await setPollSeconds(0);
  });
});
