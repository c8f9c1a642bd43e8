// Every `ubp` sub-command, in the order `ubp help` lists them.
import type { CliCommand } from '../command';
import { versionCommand } from './version';
import { schemaCommand } from './schema';
import { runCommand } from './run';
import { casesCommand } from './cases';
import { statsCommand } from './stats';
import { downloadCommand } from './download';
import { previewCommand } from './preview';
import { reportCommand } from './report';
import { compareCommand } from './compare';
import { exportCommand } from './export';
import { rerunCommand } from './rerun';
import { tableCommand } from './table';
import { batchCommand } from './batch';
import { mergeCommand } from './merge';

export const commands: CliCommand[] = [
  versionCommand,
  schemaCommand,
  runCommand,
  rerunCommand,
  batchCommand,
  mergeCommand,
  casesCommand,
  statsCommand,
  downloadCommand,
  reportCommand,
  compareCommand,
  exportCommand,
  tableCommand,
  previewCommand,
];
