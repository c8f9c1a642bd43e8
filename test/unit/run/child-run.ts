// A run in a child process, for the kill -9 test: `node --import tsx child-run.ts <json options>`.
// Prints "F <caseId>" per finished case (after its line was queued) and "END <status>" at the end.
import { startServerRun, type ServerRunOptions } from './serverRun';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as ServerRunOptions;
  const { handle } = await startServerRun(options);
  handle.on('case-finished', (e) => process.stdout.write(`F ${e.result.caseId}\n`));
  const summary = await handle.done;
  process.stdout.write(`END ${summary.status}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`child-run: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
