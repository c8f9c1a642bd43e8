// "UBP: New Eval…": scaffolds `<name>.ubp.json` and `<name>.prompt` (from the shipped template of the chosen task
// form) for a chosen dataset, then opens the config. Arguments skip the pickers: { name, form, dataset, folder }.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { forms, getForm, type TaskForm } from '../../core';
import type { Services } from '../services';

export interface NewEvalArgs {
  name?: string;
  form?: TaskForm;
  /** "bundled:ml-latest-small" or a dataset folder. */
  dataset?: string;
  /** Where to write; default the first workspace folder. */
  folder?: string;
  /** false: do not open the new config. */
  open?: boolean;
}

export async function newEvalCommand(
  services: Services,
  args: NewEvalArgs = {},
): Promise<vscode.Uri | undefined> {
  const folder = args.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) {
    void vscode.window.showErrorMessage('Open a folder first: the new eval is written into it.');
    return undefined;
  }
  const dataset = args.dataset ?? (await pickDataset(services, folder));
  if (!dataset) return undefined;
  const form =
    args.form ??
    ((
      await vscode.window.showQuickPick(
        forms().map((f) => ({ label: f.id, detail: `predict ${f.summary} (${f.metricsSummary})` })),
        { title: 'Which task form?' },
      )
    )?.label as TaskForm | undefined);
  if (!form) return undefined;
  const name =
    args.name ??
    (await vscode.window.showInputBox({
      title: 'Name of the eval',
      value: `movies-${form}`,
      validateInput: (v) =>
        /^[A-Za-z0-9][\w.-]*$/.test(v) ? undefined : 'letters, digits, ".", "-" and "_"',
    }));
  if (!name) return undefined;

  const configUri = vscode.Uri.file(path.join(folder, `${name}.ubp.json`));
  const promptUri = vscode.Uri.file(path.join(folder, `${name}.prompt`));
  for (const uri of [configUri, promptUri]) {
    try {
      await vscode.workspace.fs.stat(uri);
      void vscode.window.showErrorMessage(
        `${vscode.workspace.asRelativePath(uri)} already exists: choose another name.`,
      );
      return undefined;
    } catch {
      /* free: good */
    }
  }
  const datasetRef =
    dataset.startsWith('bundled:') || !path.isAbsolute(dataset)
      ? dataset
      : path.relative(folder, dataset) || '.';
  const config = {
    $schema: './node_modules/ubp-eval/schemas/ubp-config.schema.json',
    name,
    description: `${form}: predict ${getForm(form).summary} (${getForm(form).metricsSummary})`,
    dataset: { path: datasetRef },
    task: { form, users: 200, seed: 0 },
    prompts: [`./${name}.prompt`],
    models: [],
  };
  delete (config as { $schema?: string }).$schema; // the editor validates *.ubp.json through the extension's schema
  const encoder = new TextEncoder();
  await vscode.workspace.fs.writeFile(configUri, encoder.encode(JSON.stringify(config, null, 2) + '\n'));
  await vscode.workspace.fs.writeFile(promptUri, encoder.encode(getForm(form).template));
  services.log.info(`new eval ${configUri.fsPath}`);
  if (args.open !== false) await vscode.window.showTextDocument(configUri);
  return configUri;
}

async function pickDataset(services: Services, folder: string): Promise<string | undefined> {
  const items: (vscode.QuickPickItem & { value?: string })[] = (
    await services.datasets.list(services.configs)
  ).map((d) => ({
    label: d.label,
    description: d.bundled ? 'shipped with UBP Eval' : vscode.workspace.asRelativePath(d.path),
    value: d.bundled ? 'bundled:ml-latest-small' : d.path,
  }));
  items.push({ label: '$(folder) Another folder…', value: undefined });
  const picked = await vscode.window.showQuickPick(items, { title: 'Which dataset?' });
  if (!picked) return undefined;
  if (picked.value) return picked.value;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    defaultUri: vscode.Uri.file(folder),
    openLabel: 'Use this dataset',
  });
  return chosen?.[0]?.fsPath;
}
