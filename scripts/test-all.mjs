// `npm test`: every test layer in order, each one's output shown as it runs, then ONE closing line
// `N passed, N failed` summing them all. Exits non-zero when anything failed or a layer could not run.
//   1. unit tests of src/core and src/cli in plain Node (node:test)
//   2. the integration suite inside a real VS Code extension host (mocha; code-server here)
//   3. UI tests: the packaged .vsix in code-server, driven through Chromium (node:test + playwright-core)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureSystemDeps } from './system-deps.mjs';
import { mochaCounts, nodeTestCounts } from './test-counts.mjs';

const root = path.resolve(import.meta.dirname, '..');
const only = process.env.UBP_TEST_LAYERS?.split(',');

/** Runs a command, echoing its output, and returns everything it printed. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      text += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, text }));
  });
}

const layers = [
  { name: 'unit', cmd: [process.execPath, ['scripts/test-unit.mjs']], counts: nodeTestCounts },
  {
    name: 'integration',
    cmd: [
      'bash',
      [
        '-c',
        `"${process.execPath}" scripts/build.mjs --tests && "${process.execPath}" test/harness/run-integration.mjs`,
      ],
    ],
    counts: mochaCounts,
  },
  { name: 'ui', cmd: [process.execPath, ['test/harness/run-ui.mjs']], counts: nodeTestCounts },
].filter((l) => !only || only.includes(l.name));

// The integration and UI layers need system packages (code-server's native build, ripgrep, Chromium): install
// them when allowed (root or password-less sudo), else stop now with the one command, before any layer runs.
if (layers.some((l) => l.name !== 'unit') && !ensureSystemDeps()) process.exit(1);

let passed = 0;
let failed = 0;
const summary = [];
for (const layer of layers) {
  console.log(`\n===== ${layer.name} tests =====`);
  const t0 = Date.now();
  const { code, text } = await run(...layer.cmd);
  const counts = layer.counts(text);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (!counts) {
    // A layer that crashed before counting anything is one failure, never silence.
    failed += 1;
    summary.push(`${layer.name}: did not report results (exit ${code}) in ${seconds} s`);
    continue;
  }
  passed += counts.passed;
  failed += counts.failed;
  if (code !== 0 && counts.failed === 0) failed += 1;
  summary.push(
    `${layer.name}: ${counts.passed} passed, ${counts.failed} failed (exit ${code}) in ${seconds} s`,
  );
}
console.log('\n===== summary =====');
for (const line of summary) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
