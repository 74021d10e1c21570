#!/usr/bin/env bash
# Convert rendered DOCX/XLSX files to PDF with LibreOffice and print page counts
# and sizes beside our PDF, for the page-by-page review of the three formats.
# Needs Debian's libreoffice-writer-nogui and libreoffice-calc-nogui (not installed by setup.sh).
# Usage: tools/lo-compare.sh output/2023/人社局/2023年度项目绩效目标汇总表   (path without extension)
set -euo pipefail
stem=$1
work=$(mktemp -d)
for ext in docx xlsx; do
  cp "$stem.$ext" "$work/$ext.$ext"
  soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf --outdir "$work" "$work/$ext.$ext" >/dev/null 2>&1
done
for f in "$stem.pdf" "$work/docx.pdf" "$work/xlsx.pdf"; do
  printf '%-60s pages %-4s %s\n' "$(basename "$f")" "$(pdfinfo "$f" | awk '/^Pages/{print $2}')" "$(pdfinfo "$f" | awk -F: '/^Page size/{print $2}' | xargs)"
done
echo "PNG pages: $work/{pdf,docx,xlsx}-N.png"
pdftoppm -png -r 40 "$stem.pdf" "$work/pdf"
pdftoppm -png -r 40 "$work/docx.pdf" "$work/docx"
pdftoppm -png -r 40 "$work/xlsx.pdf" "$work/xlsx"
