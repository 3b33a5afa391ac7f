#!/usr/bin/env bash
# `npm run bench:ci -- <revision> [rounds]`: how long `bash .ci/run` takes for this commit
# against another one, on this machine, each from a fresh clone, alternating (base, then this
# one, per round) so that both meet the same machine. Prints each time and the ratio. Run it
# alone: on two cores anything beside it moves both figures. It needs what .ci/run needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
base="${1:?usage: npm run bench:ci -- <base revision> [rounds]}"
rounds="${2:-1}"
head="$(git rev-parse HEAD)"
base="$(git rev-parse "$base^{commit}")"
# The clones live elsewhere: point them at the face fixtures this checkout's tests use.
export FACETRAIL_FIXTURES="${FACETRAIL_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Seconds `bash .ci/run` takes on a fresh clone of $1 (its log in $work).
ci_seconds() {
  local clone="$work/clone"
  rm -rf "$clone"
  git clone -q "$PWD" "$clone"
  git -C "$clone" checkout -q "$1"
  local started=$SECONDS
  if ! (cd "$clone" && bash .ci/run >"$work/$1.log" 2>&1); then
    echo "bash .ci/run failed for $1; the end of its log:" >&2
    tail -40 "$work/$1.log" >&2
    exit 1
  fi
  echo $((SECONDS - started))
}

base_total=0
head_total=0
for round in $(seq 1 "$rounds"); do
  base_s=$(ci_seconds "$base")
  head_s=$(ci_seconds "$head")
  base_total=$((base_total + base_s))
  head_total=$((head_total + head_s))
  echo "round $round: ${base:0:7} ${base_s} s, ${head:0:7} ${head_s} s"
done
awk -v b="$base_total" -v h="$head_total" -v n="$rounds" 'BEGIN {
  printf "mean of %d round(s): base %.0f s, this commit %.0f s: %.2fx the base\n", n, b / n, h / n, h / b
}'
