#!/usr/bin/env bash
# Build the Mini App (miniapp/ → miniapp/dist, served at / by `tuneton serve`), only when its sources
# changed since the last build. npm's download cache stays outside the checkout (~/.npm by default);
# node_modules is reinstalled only when package-lock.json changed. Needs Node.js 20+ with npm.
set -euo pipefail
cd "$(dirname "$0")/../miniapp"
if ! command -v npm >/dev/null 2>&1; then
  echo "[miniapp] Node.js 20+ with npm is needed to build the Mini App (the API works without it)" >&2
  exit 1
fi
digest() { find "$@" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1; }
lock=$(digest package-lock.json)
if [ "$(cat node_modules/.tuneton-lock 2>/dev/null)" != "$lock" ]; then
  echo "[miniapp] npm ci" >&2
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$lock" > node_modules/.tuneton-lock
fi
sources=$(digest src index.html package.json package-lock.json vite.config.ts tsconfig.json)
if [ "$(cat dist/.source-hash 2>/dev/null)" = "$sources" ]; then
  echo "[miniapp] up to date" >&2
  exit 0
fi
echo "[miniapp] building" >&2
npm run --silent build
echo "$sources" > dist/.source-hash
