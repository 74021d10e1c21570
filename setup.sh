#!/usr/bin/env bash
# Set up budgetdocs on a fresh Debian 12 machine (run as root, from the project folder):
#  - Debian packages: Noto CJK fonts, Liberation fonts (metric-compatible with Times New
#    Roman, which the DOCX/XLSX name for Latin text), HarfBuzz subsetting (fast PDF font subsets),
#    poppler-utils (pdftotext/pdffonts, used by the tests), LibreOffice Calc without its GUI
#    (the tests recalculate the fill-in workbook's formulas with it);
#  - a fontconfig file mapping the official faces (仿宋_GB2312, 黑体 …) to Noto CJK;
#  - a virtual environment .venv with this package and its test extras.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

need=()
for pkg in fonts-noto-cjk fonts-liberation2 libharfbuzz-subset0 poppler-utils fontconfig libreoffice-calc-nogui; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

conf=/etc/fonts/conf.d/65-budgetdocs-cjk.conf
if ! cmp -s setup/65-budgetdocs-cjk.conf "$conf"; then
  install -m 644 setup/65-budgetdocs-cjk.conf "$conf"
  fc-cache -f >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# A plain (not editable) install: the templates ship inside the package.
.venv/bin/python -m pip install -q ".[test]"
echo "ready: .venv/bin/render --help"
