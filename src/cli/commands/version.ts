import type { CommandModule } from '../command';
// The one constant it needs, not the index: `ubp version` then loads none of the engine.
import { ENGINE_VERSION } from '../../core/version';

export const versionCommand: CommandModule = {
  async run(_argv, io) {
    io.out(`ubp ${ENGINE_VERSION} (node ${process.versions.node})\n`);
    return 0;
  },
};
