#!/usr/bin/env bash
# System packages the audio code needs: ffmpeg (decode any upload; encode AAC/HLS and MP3).
# Idempotent: installs only what is missing, and runs apt-get update only then.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-system: ffmpeg $(ffmpeg -version | head -1 | cut -d' ' -f3)"
