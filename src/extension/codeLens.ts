// A "Run eval" CodeLens at the top of every *.ubp.json.
import * as vscode from 'vscode';

export class RunCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '$(play) Run eval',
        command: 'ubp.runEval',
        arguments: [document.uri],
      }),
    ];
  }
}
