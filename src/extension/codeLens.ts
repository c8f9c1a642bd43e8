// A "Run eval" CodeLens at the top of every *.ubp.json.
import * as vscode from 'vscode';
import { Command } from './commands/ids';

export class RunCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '$(play) Run eval',
        command: Command.runEval,
        arguments: [document.uri],
      }),
    ];
  }
}
