// `ubp`: the command line over the engine. Dispatches to one module per sub-command, loading only that one
// (commands/index.ts); `ubp help` loads none. The process entry is runCli (bin.ts in the bundle).
import { commands } from './commands';
import { UsageError, type CliIO } from './command';
import { EXIT, EXIT_CODES_HELP } from './exitCodes';

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const which = commands.find((c) => c.name === rest[0]);
    if (which) {
      io.out(`usage: ${which.usage}\n`);
      return 0;
    }
    io.out('usage: ubp <command> [options]\n\ncommands:\n');
    const width = Math.max(...commands.map((c) => c.name.length));
    for (const c of commands) io.out(`  ${c.name.padEnd(width)}  ${c.summary}\n`);
    io.out('\n`ubp help <command>` shows its options.\n');
    io.out(`${EXIT_CODES_HELP}\n`);
    return name ? EXIT.ok : EXIT.error;
  }
  if (name === '--version' || name === '-v') return main(['version'], io);
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`ubp: unknown command "${name}". Run \`ubp help\` for the list.\n`);
    return EXIT.error;
  }
  // `ubp <command> --help` shows that command's usage, whatever else is on the line.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ubp ${name}: ${e.message}\nusage: ${command.usage}\n`);
      return EXIT.error;
    }
    io.err(`ubp ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.UBP_DEBUG && e instanceof Error) io.err(`${e.stack}\n`);
    return EXIT.error;
  }
}

/** Runs `ubp` as the process: argv, the process streams, the exit code. */
export function runCli(): void {
  // `ubp report … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: CliIO = {
    out: (t) => process.stdout.write(t),
    outAsync: (t) =>
      process.stdout.write(t) ? Promise.resolve() : new Promise((ok) => process.stdout.once('drain', ok)),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`ubp: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

// Run directly (`node --import tsx src/cli/main.ts …`); the bundle's entry is bin.ts. `module` is undefined in the
// bundle's ES modules.
if (typeof module !== 'undefined' && require.main === module) runCli();
