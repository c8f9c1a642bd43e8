import type { CliCommand } from '../command';
import { ENGINE_VERSION } from '../../core';

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the engine version',
  usage: 'ubp version',
  async run(_argv, io) {
    io.out(`ubp ${ENGINE_VERSION} (node ${process.versions.node})\n`);
    return 0;
  },
};
