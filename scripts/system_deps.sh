#!/usr/bin/env bash
# Installs the Debian packages tinygrad_edu uses outside Python, when missing and when we can:
#   graphviz (the `dot` binary that renders graph pictures)
#   chromium + chromium-driver (the headless browser test of the backprop stepper)
# Usage: scripts/system_deps.sh [graphviz] [chromium]   (no argument: both)
set -u
want="${*:-graphviz chromium}"
need=()
for w in $want; do
  case "$w" in
    graphviz) command -v dot >/dev/null 2>&1 || need+=(graphviz) ;;
    chromium) { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || need+=(chromium chromium-driver) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "warning: apt-get could not install ${need[*]}"
else
  echo "note: ${need[*]} missing; install with: sudo apt-get install ${need[*]}"
  echo "      (graph pictures fall back to DOT text; the browser test is skipped)"
fi
exit 0
