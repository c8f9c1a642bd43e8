// Every `ubp` sub-command, in the order `ubp help` lists them.
import type { CliCommand } from '../command';
import { versionCommand } from './version';

export const commands: CliCommand[] = [versionCommand];
