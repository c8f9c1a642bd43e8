#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100.3) and playwright-core into a cache folder OUTSIDE the clone,
# keyed by version, so CI's fresh clones reuse it. Prints the folder on stdout (last line).
# Needs Debian's build-essential, python3, pkg-config, libkrb5-dev and ripgrep: scripts/system-deps.mjs checks
# and installs them (npm test runs it first).
set -euo pipefail
CS_VERSION=4.100.3          # the last code-server whose engines.node is 20 (VS Code 1.100.3)
PW_VERSION=1.65.1
CACHE_ROOT=${UBP_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ubp-eval}
TOOLS="$CACHE_ROOT/code-server-$CS_VERSION-pw-$PW_VERSION"
if [ -x "$TOOLS/node_modules/.bin/code-server" ] && [ -f "$TOOLS/.complete" ]; then
  echo "$TOOLS"; exit 0
fi
mkdir -p "$TOOLS/tmp"
export TMPDIR="$TOOLS/tmp"
# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here: seed its cache with Debian's rg.
RG=$(command -v rg) || {
  echo "ripgrep (rg) is missing: run 'node scripts/system-deps.mjs' (it installs it or names the command)" >&2
  exit 1
}
RGC="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RGC/stage"
cp "$RG" "$RGC/stage/rg"
tar czf "$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$RGC/stage" rg
cd "$TOOLS"
[ -f package.json ] || echo '{"private":true}' > package.json
# unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty's postinstall runs npx;
# nodedir: build native modules against the headers beside the node in use (Debian's and NodeSource's nodejs
# ship them in /usr/include/node), as nodejs.org may be unreachable; without them node-gyp downloads them.
NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${NODEDIR:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then NODEDIR=$NODE_PREFIX; fi
if [ -n "${NODEDIR:-}" ]; then export npm_config_nodedir="$NODEDIR"; fi
npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" >&2
touch .complete
echo "$TOOLS"
