// The shape of one `ubp` sub-command. Each lives in its own file under commands/ and is listed in commands/index.ts.

/** Where a command writes; tests pass buffers, the real CLI passes the process streams. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** One line for `ubp help`. */
  summary: string;
  /** The usage line(s), shown by `ubp help <name>` and on a usage error. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 1 (exitCodes.ts). */
export class UsageError extends Error {}
