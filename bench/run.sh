#!/usr/bin/env bash
# One command for the benchmark on a fresh Debian 12 machine (as root): set up the
# project if needed, install LibreOffice (the yardstick) if missing, run the bench.
# Usage: bench/run.sh [--runs N | --quick]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./setup.sh
if ! command -v soffice >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi
exec .venv/bin/python bench/run.py "$@"
