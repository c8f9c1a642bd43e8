// Every `ubp` sub-command, in the order `ubp help` lists them.
import type { CliCommand } from '../command';
import { versionCommand } from './version';
import { schemaCommand } from './schema';
import { runCommand } from './run';
import { statsCommand } from './stats';
import { downloadCommand } from './download';
import { previewCommand } from './preview';

export const commands: CliCommand[] = [
  versionCommand,
  schemaCommand,
  runCommand,
  statsCommand,
  downloadCommand,
  previewCommand,
];
