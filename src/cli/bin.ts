// The bundled CLI's entry (dist/cli/bin.cjs, loaded by dist/cli.js): runs `ubp` as the process.
import './heapFlags';
import { runCli } from './main';

runCli();
