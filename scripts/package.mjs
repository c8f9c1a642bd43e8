// `npm run package`: a production build, then a .vsix through @vscode/vsce holding only what .vscodeignore
// lets through (everything is bundled, so no node_modules). Prints the file and its size.
import { execFileSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${name}-${version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
run(process.execPath, ['scripts/build.mjs', '--production']);
run(process.execPath, [
  path.join(root, 'node_modules/@vscode/vsce/vsce'),
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--out',
  out,
]);
const bytes = statSync(out).size;
const bundle = statSync(path.join(root, 'dist/extension.js')).size;
console.log(
  `${path.basename(out)}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes); dist/extension.js ${(bundle / 1024).toFixed(0)} KB`,
);
