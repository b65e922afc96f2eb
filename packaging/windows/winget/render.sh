#!/usr/bin/env bash
# Fills the winget manifest templates for one release.
#
#   packaging/windows/winget/render.sh MSI INSTALLER_URL OUTPUT_DIR
#
# The version and ProductCode are read from the MSI (msiinfo, from msitools), the SHA-256 is
# the MSI's. Submit OUTPUT_DIR's three files to microsoft/winget-pkgs under
# manifests/s/ssetop/ssetop/<version>/ (winget validate checks them on Windows).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -eq 3 ] || { echo "usage: $0 MSI INSTALLER_URL OUTPUT_DIR" >&2; exit 2; }
msi=$1 url=$2 out=$3
command -v msiinfo >/dev/null || { echo "render: msiinfo is missing (apt-get install msitools)" >&2; exit 1; }
property() { msiinfo export "$msi" Property | tr -d '\r' | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }
version=$(property ProductVersion)
product_code=$(property ProductCode)
sha=$(sha256sum "$msi" | cut -d' ' -f1 | tr a-f A-F)
[ -n "$version" ] && [ -n "$product_code" ] || { echo "render: no ProductVersion/ProductCode in $msi" >&2; exit 1; }
mkdir -p "$out"
for template in "$here"/ssetop.ssetop*.yaml; do
  sed -e "s|{{VERSION}}|$version|g" -e "s|{{INSTALLER_URL}}|$url|g" \
      -e "s|{{INSTALLER_SHA256}}|$sha|g" -e "s|{{PRODUCT_CODE}}|$product_code|g" \
      -e '/^# Template:/d' "$template" > "$out/$(basename "$template")"
done
if grep -n '{{' "$out"/*.yaml; then echo "render: a placeholder was left unfilled" >&2; exit 1; fi
echo "$out"
