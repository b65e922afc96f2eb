#!/usr/bin/env bash
# Builds the ssetop MSI from a Windows release build with wixl (msitools), on Linux.
#
#   packaging/windows/build-msi.sh [SSETOP_EXE] [OUTPUT_MSI]
#
# SSETOP_EXE defaults to the Windows release build (CONTRIBUTING.md, "The Windows build")
# (target/windows/x86_64-pc-windows-gnu/release/ssetop.exe); OUTPUT_MSI to
# target/windows/ssetop-<version>-x64.msi. The version is Cargo.toml's.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe="${1:-$root/target/windows/x86_64-pc-windows-gnu/release/ssetop.exe}"
version="$(sed -n 's/^version = "\([0-9][0-9.]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)"
out="${2:-$root/target/windows/ssetop-$version-x64.msi}"

command -v wixl >/dev/null || { echo "build-msi: wixl is missing (apt-get install wixl)" >&2; exit 1; }
[ -f "$exe" ] || { echo "build-msi: no $exe; build the Windows release binary first (CONTRIBUTING.md, "The Windows build")" >&2; exit 1; }
[ -n "$version" ] || { echo "build-msi: no version in $root/Cargo.toml" >&2; exit 1; }

command -v msibuild >/dev/null || { echo "build-msi: msibuild is missing (apt-get install msitools)" >&2; exit 1; }
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# wixl resolves File/@Source relative to the directory it runs in: stage the binary there.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$exe" "$stage/ssetop.exe"
mkdir -p "$(dirname "$out")"
(cd "$stage" && wixl -a x64 -D Version="$version" -D BinDir=. -o "$out" "$root/packaging/windows/ssetop.wxs")

# The PATH entry (see ssetop.wxs): the Environment table row and the two standard actions
# that apply it, as WiX would have compiled them.
cp "$root/packaging/windows/path.idt" "$stage/Environment.idt"
msibuild "$out" -i "$stage/Environment.idt"
msibuild "$out" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)"
msibuild "$out" -q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"
echo "$out"
