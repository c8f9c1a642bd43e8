// What commands and views share: created once at activation, disposed with the extension.
import type * as vscode from 'vscode';
import type { ConfigService } from './configService';
import type { DatasetService } from './datasetService';
import type { KeyService } from './keyService';
import type { RunService } from './runService';
import type { CaseService } from './caseService';

export interface Services {
  context: vscode.ExtensionContext;
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  keys: KeyService;
  configs: ConfigService;
  runs: RunService;
  datasets: DatasetService;
  cases: CaseService;
}
