#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100.3) and playwright-core into a cache folder OUTSIDE the clone,
# keyed by version, so CI's fresh clones reuse it. Prints the folder on stdout (last line).
# Needs Debian's build-essential, python3, pkg-config, libkrb5-dev and ripgrep (see .ci/run).
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
RGC="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RGC/stage"
cp "$(command -v rg)" "$RGC/stage/rg"
tar czf "$RGC/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$RGC/stage" rg
cd "$TOOLS"
[ -f package.json ] || echo '{"private":true}' > package.json
# unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty's postinstall runs npx;
# nodedir: build native modules against /usr/include/node (nodejs.org is unreachable).
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=${NODEDIR:-/usr} \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" >&2
touch .complete
echo "$TOOLS"
