#!/usr/bin/env bash
# Sets up everything the product needs on this machine, idempotently:
#   - Debian packages (graphviz, …) when run as root; otherwise it names what is missing;
#   - a Python 3.13 virtual environment in .venv (the version in .python-version) with pinned requirements;
#   - the frontend bundle, when there is a frontend to build.
# Usage: scripts/setup.sh [--dev] [--browser]
#   --dev      also install test, lint and type-check tools (requirements-dev.txt) and the frontend's dev tools
#   --browser  also install Debian's Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DEV=0
BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --browser) BROWSER=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Debian packages --------------------------------------------------------------------------------
# command -> package
declare -A NEED=([dot]=graphviz)
if [ "$DEV" = 1 ]; then
  NEED[pdftoppm]=poppler-utils
  NEED[docker-compose]=docker-compose
  NEED[node]=nodejs
  NEED[npm]=npm
fi
if [ "$BROWSER" = 1 ]; then
  NEED[chromium]=chromium
fi
# shared library -> package (WeasyPrint loads Pango and HarfBuzz at run time; the PDF needs a font)
declare -A NEED_LIB=([libpango-1.0.so.0]=libpango-1.0-0 [libpangoft2-1.0.so.0]=libpangoft2-1.0-0
                     [libharfbuzz-subset.so.0]=libharfbuzz-subset0 [libfontconfig.so.1]=fontconfig)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
if [ -x "$LDCONFIG" ]; then
  libs=$("$LDCONFIG" -p 2>/dev/null || true)
  for lib in "${!NEED_LIB[@]}"; do
    grep -q "$lib" <<<"$libs" || missing+=("${NEED_LIB[$lib]}")
  done
fi
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed; install these packages by hand: ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install failed; install these packages by hand: ${missing[*]}"
  else
    die "missing system packages: ${missing[*]}. Run this script as root to install them with apt-get, or install them yourself (e.g. sudo apt-get install ${missing[*]})."
  fi
fi

# --- Python 3.13 virtual environment -----------------------------------------------------------------
WANT=$(tr -d '[:space:]' < .python-version)
find_python() {
  local candidates=("python$WANT" "python3" "python")
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    prefix=$(pyenv prefix "$WANT" 2>/dev/null || true)
    [ -n "$prefix" ] && candidates=("$prefix/bin/python3" "${candidates[@]}")
  fi
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$WANT' else 1)" 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$WANT' else 1)"; then
  PY=$(find_python) || die "Python $WANT is needed (see .python-version) and was not found. Install it (e.g. 'pyenv install $WANT' or apt-get install python$WANT) and run again."
  say "Creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
REQ=requirements.txt
[ "$DEV" = 1 ] && REQ=requirements-dev.txt
STAMP_BASE=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
STAMP="$STAMP_BASE-$DEV"
# The dev set includes the runtime set: after `setup.sh --dev`, a plain run (make run) has nothing to install.
if [ ! -f "$STAMP" ] && [ ! -f "$STAMP_BASE-1" ]; then
  say "Installing Python packages from $REQ"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$REQ" || die "pip install -r $REQ failed (see above)."
  rm -f .venv/.installed-*
  touch "$STAMP"
fi

# --- Frontend ------------------------------------------------------------------------------------------
if [ -f frontend/package.json ]; then
  command -v npm >/dev/null 2>&1 || die "npm is needed to build the frontend. Run as root to install it, or apt-get install npm."
  LOCK_STAMP="frontend/node_modules/.installed-$(sha256sum frontend/package-lock.json 2>/dev/null | cut -c1-16)"
  if [ ! -f "$LOCK_STAMP" ]; then
    say "Installing frontend packages (npm ci)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed (see above)."
    touch "$LOCK_STAMP"
  fi
  # The bundle is rebuilt only when what the build reads changed (a warm start skips it).
  . scripts/stamp.sh
  BUILD_HASH=$(inputs_hash frontend/src frontend/index.html frontend/package.json frontend/package-lock.json \
    frontend/tsconfig.json frontend/vite.config.ts frontend/public)
  if stamp_fresh frontend/dist .built "$BUILD_HASH" && [ -f frontend/dist/manifest.json ]; then
    say "Frontend bundle is up to date"
  else
    say "Building the frontend"
    (cd frontend && npm run --silent build) || die "the frontend build failed (see above)."
    stamp_set frontend/dist .built "$BUILD_HASH"
  fi
fi
say "Setup done"
