import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CommandModule } from '../command';
import { configJsonSchema } from '../../core';

/** Prints (or writes) the JSON schema of `*.ubp.json`, generated from the engine's zod schema. */
export const schemaCommand: CommandModule = {
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'UBP Eval config (*.ubp.json)',
      ...configJsonSchema(),
    };
    const text = JSON.stringify(schema, null, 2) + '\n';
    if (values.out) writeFileSync(values.out, text);
    else io.out(text);
    return 0;
  },
};
