#!/usr/bin/env bash
# Prepare a fresh Debian/Ubuntu machine for GigCase: system packages, .venv, Python packages, messages.
#   scripts/bootstrap.sh demo   – what `make demo` needs
#   scripts/bootstrap.sh test   – plus the test tools and Chromium for browser tests
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-demo}"

# WeasyPrint needs Pango/HarfBuzz; PDFs need a CJK font; gettext compiles the translations.
apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei gettext)
if [ "$profile" = "test" ]; then
  apt_packages+=(chromium poppler-utils)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "缺少系统软件包 / missing system packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

python_bin=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python_bin="$candidate"; break
  fi
done
if [ -z "$python_bin" ]; then
  echo "需要 Python 3.11 或更高版本 / Python 3.11+ is required" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv || {
    echo "python venv failed; install it: sudo apt-get install -y python3-venv" >&2; exit 1; }
fi

# Reinstall only when pyproject.toml changed since the last install for this profile.
stamp=".venv/.installed-$profile"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$profile" = "test" ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi

if [ -d locale ]; then
  DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python manage.py compilemessages -v0 \
    --ignore '.venv/*' --ignore 'var/*'
fi
