// The exit codes of every `ubp` command, in one table (README and docs/cli.md list it).
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A usage, config or data error (bad option, unreadable config or dataset, a run that could not be written). */
  error: 1,
  /** A quality gate failed: --fail-under, --fail-on-regression. */
  gate: 3,
  /** A model failed (stopped after a fatal error) or units ended in error. */
  unitsFailed: 4,
  /** The run stopped at its budget (run.budgetUsd). */
  budget: 5,
  /** Interrupted (Ctrl-C, SIGINT); a run stays resumable. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as text, for `ubp help`. */
export const EXIT_CODES_HELP =
  'exit codes: 0 success · 1 usage, config or data error · 3 a quality gate failed (--fail-under, ' +
  '--fail-on-regression) · 4 a model failed or units ended in error · 5 stopped by the budget · 130 interrupted';
