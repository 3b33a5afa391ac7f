#!/usr/bin/env bash
# CI guard: the committed gRPC types (lib/recognizer/generated) must be exactly what
# `npm run gen:proto` makes from proto/. Regenerates them in place, then fails on any change,
# deleted file or new untracked file, so a proto edit without `npm run gen:proto` cannot land.
set -euo pipefail
cd "$(dirname "$0")/.."
GENERATED=lib/recognizer/generated

npm run --silent gen:proto

untracked=$(git ls-files --others --exclude-standard -- "$GENERATED")
if ! git diff --exit-code --stat -- "$GENERATED" || [ -n "$untracked" ]; then
  [ -n "$untracked" ] && printf 'untracked generated files:\n%s\n' "$untracked"
  echo "The generated gRPC types differ from what proto/ produces: run 'npm run gen:proto' and commit $GENERATED." >&2
  exit 1
fi
echo "gRPC types in $GENERATED match proto/."
