#!/usr/bin/env bash
# Install the Debian packages Khavaran uses (vault, dossiers), if any is missing:
#   libmagic1                            media types from content (python-magic)
#   tesseract-ocr, tesseract-ocr-fas     OCR of Persian and English scans
#   fonts-dejavu-core                    the Persian-capable font of the PDF report and OCR tests
#   openssl                              the reference verifier for RFC 3161 tokens in tests
#   libpango-1.0-0, libpangoft2-1.0-0,   text layout and font subsetting for the dossier's
#   libharfbuzz-subset0                  PDF report (WeasyPrint)
#   poppler-utils                        pdffonts, pdftotext, pdftoppm: tests check the PDF with them
#   librsvg2-bin                         rsvg-convert: the charts as PNG (services/chart_png.py)
#   libicu-dev, pkg-config, g++          to build PyICU, which the followthemoney library (the
#                                        FtM import's model, via normality) needs: it has no wheel
#   chromium (only with --test)          the browser of the end-to-end tests (Playwright
#                                        launches it by its path)
#   nginx (only with --test)             the reverse proxy of docs/deploy.md: tests/test_deploy.py
#                                        runs deploy/nginx/khavaran.conf in front of `serve`
#   systemd (only with --test)           systemd-analyze: tests/test_deploy.py checks the units
#                                        of deploy/systemd with `systemd-analyze verify`
#   wrk (only with --bench)              the HTTP load generator of bench/bench_api.py
#   sqlite3 (only with --bench)          the baseline ('.backup') of bench/bench_backup.py
#   curl (only with --bench)             the browser-like upload of bench/bench_upload.py
set -euo pipefail
PACKAGES=(libmagic1 tesseract-ocr tesseract-ocr-fas fonts-dejavu-core openssl libpango-1.0-0
          libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils librsvg2-bin libicu-dev pkg-config
          g++)
if [ "${1:-}" = "--bench" ]; then PACKAGES+=(wrk sqlite3 curl); fi
if [ "${1:-}" = "--test" ]; then PACKAGES+=(chromium nginx systemd); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-packages: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
