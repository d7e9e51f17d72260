#!/usr/bin/env bash
# Set up hotspots on a fresh Debian/Ubuntu machine: the system libraries Qt needs, a virtual
# environment in .venv, and the package with its test and GUI extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

QT_LIBS="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 \
libnss3 libnspr4 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxi6 libxshmfence1 libgbm1 libasound2 \
libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
libxcb-xinerama0 libxcb-xkb1 libxkbfile1 libatk1.0-0 libatk-bridge2.0-0 libcups2 libdrm2 libpango-1.0-0 \
libcairo2 fonts-dejavu-core"
EXTRA_TOOLS="chromium poppler-utils"

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=""
  for p in $QT_LIBS $EXTRA_TOOLS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "installing system packages:$missing"
    apt-get update -qq >/dev/null || true
    # libasound2 is libasound2t64 on newer Debian; install what exists
    for p in $missing; do
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${p}t64" >/dev/null 2>&1 \
        || echo "note: could not install $p"
    done
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
quiet_pip() {  # pip's notes about absent local mirrors, and setuptools' "!! ... !!" box about a folder
  # named like the package (the project's own hotspots/ in an editable install), are noise here
  .venv/bin/python -m pip "$@" 2>&1 | awk '/^[[:space:]]*!![[:space:]]*$/ { box = !box; next } !box' \
    | { grep -v -e "^WARNING: Location" -e "BuildBackendWarning" -e "with strategy, WheelFile" || true; }
  return "${PIPESTATUS[0]}"
}
quiet_pip install -q --upgrade pip >/dev/null
quiet_pip install -q -e ".[dev]"
# byte-compile our own modules once: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every
# run would otherwise recompile them
.venv/bin/python -m compileall -q hotspots gui main.py >/dev/null || true
echo "hotspots is set up in .venv"
