#!/usr/bin/env bash
# Fuzzes every parser of ssetop that reads what users or devices give, SECONDS each (default
# 60), with cargo-fuzz (libFuzzer + AddressSanitizer), and fails if any target finds a crash:
# a panic, an assertion of the target (a round trip that does not hold), a leak or a timeout.
#
#   fuzz/run.sh 60                       # every target, 60 s each
#   fuzz/run.sh 300 capture duration     # only these
#
# Each corpus starts from the repository's own test files (seeded below, at every run) and the
# small hand-made inputs in fuzz/seeds/ (with the tokens in fuzz/dicts/); what libFuzzer
# learns stays in fuzz/corpus/ (not committed). A crash leaves its input in
# fuzz/artifacts/TARGET/; replay it with `cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…`
# and turn it into a unit test beside the parser. Needs cargo-fuzz (`cargo install cargo-fuzz
# --locked`); on a stable toolchain the sanitizer flags are let through with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
repo=..
seconds=${1:-60}
shift || true
all=(forwarding_profile knowledge theme capture duration replay_at windows_settings)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

command -v cargo-fuzz >/dev/null || { echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2; exit 1; }
if ! rustc --version | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

# The seeds: the test files of each parser.
seed() {
  local target=$1
  local dir=corpus/$target
  mkdir -p "$dir"
  case $target in
    forwarding_profile)
      cp "$repo/tests/windows/forwarding-profile.json" "$dir/windows-forwarding-profile.json"
      # The profiles the scenarios give with --forwarding-profile (between ''' and ''').
      for file in "$repo"/tests/scenarios/*.toml; do
        awk '/^forwarding_profile = '"'''"'/ { on = 1; next } on && /^'"'''"'/ { on = 0 } on' "$file" \
          > "$dir/scenario-$(basename "$file" .toml).json"
        [ -s "$dir/scenario-$(basename "$file" .toml).json" ] || rm "$dir/scenario-$(basename "$file" .toml).json"
      done ;;
    knowledge) cp "$repo/src/knowledge/default.toml" "$dir/default.toml" ;;
    theme) cp "$repo"/themes/*.toml "$dir/" ;;
    capture)
      # The small captures whole, the large ones' first snapshots (libFuzzer works best on
      # inputs of a few kilobytes).
      for file in "$repo"/tests/captures/*.ndjson; do
        if [ "$(wc -c < "$file")" -le 20000 ]; then
          cp "$file" "$dir/"
        else
          head -n 3 "$file" > "$dir/head-$(basename "$file")"
        fi
      done ;;
    duration | replay_at | windows_settings) ;; # hand-made, in seeds/
  esac
}

# All targets at once: they share the (instrumented) build of ssetop.
cargo fuzz build --release
failed=()
for target in "${targets[@]}"; do
  seed "$target"
  dirs=("corpus/$target")
  [ -d "seeds/$target" ] && dirs+=("seeds/$target")
  extra=()
  [ -f "dicts/$target.dict" ] && extra+=("-dict=dicts/$target.dict")
  echo "=== fuzz $target for ${seconds}s (corpus: ${dirs[*]})"
  if ! cargo fuzz run --release "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "${extra[@]}" \
    > "corpus/$target.log" 2>&1; then
    failed+=("$target")
    tail -n 60 "corpus/$target.log"
    echo "=== fuzz $target: CRASH; the input is in fuzz/artifacts/$target/"
  else
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)' "corpus/$target.log" | tr '\n' ' '
    echo
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz/run.sh: ${#targets[@]} target(s), ${seconds}s each, no crash"
