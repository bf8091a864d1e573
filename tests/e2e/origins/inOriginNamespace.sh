#!/usr/bin/env bash
# Runs Chromium inside a network origin's namespace (createNetworkOrigin.ts). Playwright starts
# this in place of the browser and drives it over a pipe, which works across namespaces.
# Chromium keeps only the last --disable-features it is given: this joins them all into one, so
# that the test's own (launchInOrigin.ts) do not silently drop Playwright's.
set -euo pipefail
args=()
disabled=()
for arg in "$@"; do
  case "$arg" in
    --disable-features=*) disabled+=("${arg#--disable-features=}") ;;
    *) args+=("$arg") ;;
  esac
done
if [ "${#disabled[@]}" -gt 0 ]; then
  args+=("--disable-features=$(IFS=,; echo "${disabled[*]}")")
fi
exec nsenter --net="$ORIGIN_NETNS" -- "$ORIGIN_CHROMIUM" "${args[@]}"
