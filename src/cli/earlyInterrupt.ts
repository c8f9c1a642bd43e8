// Ctrl-C while a command prepares (reads its config, loads a data set that can take minutes, builds the cases),
// before its run has a cancel of its own: the first Ctrl-C aborts the preparation (the loader stops between
// chunks) and the command says so; a second quits at once, for a step that does not yield.
import { EXIT } from './exitCodes';
import type { CliIO } from './command';

export interface EarlyInterrupt {
  /** Aborted by the first Ctrl-C: pass it to the preparation. */
  readonly signal: AbortSignal;
  /**
   * Runs the preparation: resolves with its result, or with undefined after saying `interrupted` when Ctrl-C
   * stopped it (whatever it threw on the way out, the loader's own abort error too, Ctrl-C is what happened).
   */
  step<T>(work: Promise<T>): Promise<T | undefined>;
  /** Stops listening (the run's own Ctrl-C handling takes over). */
  dispose(): void;
}

export function earlyInterrupt(io: CliIO, interrupted: string): EarlyInterrupt {
  const controller = new AbortController();
  const say = (): void => void io.err(`\n${interrupted}\n`);
  const onSigint = (): void => {
    if (!controller.signal.aborted) return controller.abort();
    say();
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    async step(work) {
      try {
        return await work;
      } catch (e) {
        if (!controller.signal.aborted) throw e;
        say();
        return undefined;
      }
    },
    dispose: () => void process.removeListener('SIGINT', onSigint),
  };
}
