#!/usr/bin/env bash
# System packages the tests need: Tesseract OCR with Dutch and English (image rules), Chromium
# (the WhatsApp report is read back in a headless browser; dossiers are printed to PDF), fonts for
# generated test images, and a PostgreSQL server (storage tests run on SQLite and PostgreSQL). Installs through apt when it can; otherwise says exactly what is missing.
set -euo pipefail

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx nld; then
  missing+=(tesseract-ocr-nld)
fi
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
  missing+=(tesseract-ocr-eng)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# PostgreSQL server: the storage tests run against SQLite and a real PostgreSQL.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
compgen -G "/usr/share/fonts/truetype/liberation*/LiberationSans-Regular.ttf" >/dev/null \
  || missing+=(fonts-liberation)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "schoolwacht: installing system packages: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "schoolwacht: cannot install as $(whoami) without sudo. Please run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "schoolwacht: no apt-get on this machine. Please install: ${missing[*]}" >&2
  echo "  (Tesseract with Dutch+English language data, Chromium, DejaVu fonts)" >&2
  exit 1
fi
