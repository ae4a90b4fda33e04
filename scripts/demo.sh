#!/usr/bin/env bash
# The quickstart, end to end with the real CLI: copy examples/quickstart to a
# temporary directory, apply it, assert it, show its outputs, destroy it.
# Exits non-zero as soon as any step fails.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/clockwork-demo-XXXXXX")"
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
cw() {
  printf '$ clockwork %s\n' "$*" >&2
  deno run --quiet --allow-all --no-prompt --unstable-worker-options --v8-flags=--initial-old-space-size=256,--minor-ms,--min-semi-space-size=32,--max-semi-space-size=64 --config "$repo/deno.json" "$repo/main.ts" "$@"
}

say "Copying examples/quickstart to $work"
cp -R "$repo/examples/quickstart/." "$work/"
cd "$work"

say "Apply"
cw apply --auto-approve
test -f site/index.html && test -f site/site.tar.gz && test -f site/checksums.txt

say "Apply again: nothing to do"
cw apply --auto-approve | tee "$work/.second-apply.txt"
grep -q "No changes" "$work/.second-apply.txt"

say "Assert"
set +e
assert_output="$(cw assert 2>&1)"
assert_code=$?
set -e
printf '%s\n' "$assert_output"
if [ "$assert_code" -ne 0 ]; then
  if printf '%s' "$assert_output" | grep -q "not implemented"; then
    echo "(skipped: 'clockwork assert' is not implemented in this build)"
  else
    echo "demo: assertions failed (exit $assert_code)" >&2
    exit "$assert_code"
  fi
fi

say "Outputs"
cw output
site_dir="$(cw output site_dir --raw)"
test "$site_dir" = "$work/site"

say "Destroy"
cw destroy --auto-approve
test ! -e site

say "Demo finished: applied, asserted, read outputs and destroyed in $work"
