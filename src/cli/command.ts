// The shape of one `ubp` sub-command. Each lives in its own file under commands/ and is listed, with its summary and
// usage, in commands/index.ts, which loads the file only when the command runs.

/** Where a command writes; tests pass buffers, the real CLI passes the process streams. */
export interface CliIO {
  out: (text: string) => void;
  /**
   * Writes to stdout and resolves once the stream can take more (back-pressure), for commands that stream a
   * large output (`ubp cases`). Absent (tests' buffers): `out` is used.
   */
  outAsync?: (text: string) => Promise<void>;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** What a command's own file exports: the code that runs it. */
export interface CommandModule {
  /** Returns the process exit code. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** A row of the command table: what `ubp help` prints without loading the command, and how to load it. */
export interface CliCommand {
  name: string;
  /** One line for `ubp help`. */
  summary: string;
  /** The usage line(s), shown by `ubp help <name>` and on a usage error. */
  usage: string;
  /** Loads the command's file (a chunk of its own in the bundle) on first use. */
  load(): Promise<CommandModule>;
}

/** A mistake in how the command was called: printed with the usage, exit code 1 (exitCodes.ts). */
export class UsageError extends Error {}
