// The one place commands are registered: a handler for every entry of the command table.
import * as vscode from 'vscode';
import { Command, type CommandHandlers, type CommandName } from './ids';

export function registerCommands(handlers: CommandHandlers): vscode.Disposable {
  return vscode.Disposable.from(
    ...(Object.keys(Command) as CommandName[]).map((name) =>
      vscode.commands.registerCommand(Command[name], handlers[name]),
    ),
  );
}
