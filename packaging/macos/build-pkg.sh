#!/usr/bin/env bash
# Builds a macOS installer package (.pkg) of ssetop with pkgbuild. Run on a Mac with the Rust
# toolchain and the Xcode command line tools. NOT RUN in ssetop's CI: there is no macOS there
# (and netstat2 cannot be built for macOS elsewhere: its build script needs the macOS SDK).
#
#   packaging/macos/build-pkg.sh [OUTPUT_PKG]
#
# Installs /usr/local/bin/ssetop, its man page and its zsh/bash/fish completions. Builds a
# universal binary when both Apple targets are installed (rustup target add
# aarch64-apple-darwin x86_64-apple-darwin), else one for this Mac. Sign with
# SSETOP_PKG_SIGN="Developer ID Installer: …" (and notarize the result with notarytool).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\([0-9][0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)"
out="${1:-$root/target/macos/ssetop-$version.pkg}"
[ "$(uname -s)" = Darwin ] || { echo "build-pkg: run this on macOS" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
targets=$(rustup target list --installed 2>/dev/null || true)
if grep -q aarch64-apple-darwin <<<"$targets" && grep -q x86_64-apple-darwin <<<"$targets"; then
  cargo build --release --locked --target aarch64-apple-darwin
  cargo build --release --locked --target x86_64-apple-darwin
  lipo -create -output "$stage/ssetop" \
    target/aarch64-apple-darwin/release/ssetop target/x86_64-apple-darwin/release/ssetop
else
  cargo build --release --locked
  cp target/release/ssetop "$stage/ssetop"
fi

root_dir="$stage/root"
install -d "$root_dir/usr/local/bin" "$root_dir/usr/local/share/man/man1" \
  "$root_dir/usr/local/share/zsh/site-functions" \
  "$root_dir/usr/local/etc/bash_completion.d" \
  "$root_dir/usr/local/share/fish/vendor_completions.d"
install -m 755 "$stage/ssetop" "$root_dir/usr/local/bin/ssetop"
"$stage/ssetop" --generate-man | gzip -9n > "$root_dir/usr/local/share/man/man1/ssetop.1.gz"
"$stage/ssetop" --generate-completions zsh > "$root_dir/usr/local/share/zsh/site-functions/_ssetop"
"$stage/ssetop" --generate-completions bash > "$root_dir/usr/local/etc/bash_completion.d/ssetop"
"$stage/ssetop" --generate-completions fish > "$root_dir/usr/local/share/fish/vendor_completions.d/ssetop.fish"

mkdir -p "$(dirname "$out")"
sign=()
[ -n "${SSETOP_PKG_SIGN:-}" ] && sign=(--sign "$SSETOP_PKG_SIGN")
pkgbuild --root "$root_dir" --identifier io.github.ssetop.ssetop --version "$version" \
  --install-location / "${sign[@]}" "$out"
echo "$out"
