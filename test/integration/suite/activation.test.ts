// The extension activates inside a real VS Code 1.100 and its first command works end to end.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { UbpExtensionApi } from '../../../src/extension/extension';
import type { ShowStatsResult } from '../../../src/extension/commands/showDatasetStats';

const EXTENSION_ID = 'ubp-eval.ubp-eval';

describe('activation', () => {
  let api: UbpExtensionApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<UbpExtensionApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed in the host`);
    api = await ext.activate();
  });

  it('runs inside VS Code 1.100.x', () => {
    assert.match(vscode.version, /^1\.100\.\d+$/);
    console.log(
      `      host: ${vscode.env.appName} ${vscode.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}`,
    );
  });

  it('activates quickly and reports how long activate() took', () => {
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs > 0);
    console.log(`      UBP_FIGURE activationMs=${api.activationMs.toFixed(2)}`);
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['ubp.showDatasetStats', 'ubp.refreshDatasets'])
      assert.ok(all.includes(id), `${id} is registered`);
  });

  it('shows the bundled dataset statistics in a webview that renders them', async () => {
    const bundled = api.datasets.bundled();
    assert.ok(bundled.bundled);
    const result = (await vscode.commands.executeCommand(
      'ubp.showDatasetStats',
      bundled.path,
    )) as ShowStatsResult;
    const rendered = await result.rendered;
    assert.ok(rendered.rows >= 7, `rendered ${rendered.rows} summary rows`);
    assert.match(result.panel.title, /ml-latest-small/);
    const { stats } = await api.datasets.load(bundled.path);
    assert.equal(stats.interactions, 100_004);
    assert.equal(stats.users, 671);
    result.panel.dispose();
  });
});
