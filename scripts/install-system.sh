#!/usr/bin/env bash
# Install the Debian packages tuneTON needs at run time, only those that are missing.
# `apt-get update` runs only when something has to be installed, so a ready machine pays nothing.
# Add a package by adding a line to PACKAGES (with a comment saying who needs it).
# `--test` also installs what only the test suite needs (TEST_PACKAGES).
set -euo pipefail

PACKAGES=(
  ffmpeg # tuneton.media: ffprobe sniffs and probes uploads; ffmpeg decodes and transcodes them;
         # tuneton.audio: decodes sources, encodes renders (AAC/fMP4 HLS, MP3)
  nginx-light # infra/gateway: the API gateway (TLS, HTTP/2, rate limits, media offload)
  openssl     # infra/gateway/start.sh: the self-signed development certificate
  wrk         # benchmarks/streaming.py: concurrent range readers
)
TEST_PACKAGES=(
  chromium # tests/e2e/test_miniapp.py: the Mini App's browser tests (Playwright drives /usr/bin/chromium)
)
[[ ${1:-} == --test ]] && PACKAGES+=("${TEST_PACKAGES[@]}")

installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

SUDO=()
[[ $(id -u) == 0 ]] || SUDO=(sudo)
echo "[install-system] installing: ${missing[*]}" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
