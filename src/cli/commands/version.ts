import type { CommandModule } from '../command';
import { ENGINE_VERSION } from '../../core';

export const versionCommand: CommandModule = {
  async run(_argv, io) {
    io.out(`ubp ${ENGINE_VERSION} (node ${process.versions.node})\n`);
    return 0;
  },
};
