#!/usr/bin/env bash
# Build nsqd and nsqlookupd (github.com/nsqio/nsq v1.3.0) into <repo>/tools/bin/.
#
# `go install github.com/nsqio/nsq/apps/nsqd@v1.3.0` refuses to work because
# nsq's go.mod contains a replace directive, so we build from a throwaway
# module that requires nsq v1.3.0 and repeats that replace directive.
#
# Re-running is cheap: binaries that already report version 1.3.0 are reused.
set -euo pipefail

NSQ_MODULE="github.com/nsqio/nsq"
NSQ_VERSION="v1.3.0"
APPS=(nsqd nsqlookupd)
# Copied verbatim from the replace directive(s) in nsq v1.3.0's go.mod.
NSQ_REPLACES=(
  "github.com/judwhite/go-svc=github.com/mreiferson/go-svc@v1.2.2-0.20210815184239-7a96e00010f6"
)

log() { printf '[install-nsq] %s\n' "$*"; }
die() { printf '[install-nsq] ERROR: %s\n' "$*" >&2; exit 1; }

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
BIN_DIR="$REPO_ROOT/tools/bin"

# Returns 0 if $1 exists, is executable and reports the wanted version.
has_version() {
  local bin="$1" out
  [[ -x "$bin" ]] || return 1
  out="$("$bin" --version 2>&1)" || return 1
  [[ "$out" == *"${NSQ_VERSION}"* ]] # e.g. "nsqd v1.3.0 (built w/go1.22.0)"
}

all_present=1
for app in "${APPS[@]}"; do
  has_version "$BIN_DIR/$app" || all_present=0
done
if [[ "$all_present" == 1 ]]; then
  for app in "${APPS[@]}"; do
    log "reusing $BIN_DIR/$app ($("$BIN_DIR/$app" --version 2>&1 | head -n1))"
  done
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    die "Go toolchain not found (no 'go' on PATH and no /usr/local/go/bin/go). Install Go >= 1.17 and re-run."
  fi
fi
log "using $(go version)"

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/install-nsq.XXXXXX")"
cleanup() {
  rm -rf -- "$WORK_DIR"
  for app in "${APPS[@]}"; do rm -f -- "$BIN_DIR/$app.tmp"; done
}
trap cleanup EXIT

start=$SECONDS
log "preparing throwaway build module in $WORK_DIR"
cd "$WORK_DIR"
export GO111MODULE=on
export GOWORK=off
go mod init facetrail.local/nsq-build >/dev/null 2>&1 || die "go mod init failed in $WORK_DIR"
for r in "${NSQ_REPLACES[@]}"; do
  go mod edit -replace="$r"
done
log "fetching $NSQ_MODULE@$NSQ_VERSION and dependencies"
pkgs=()
for app in "${APPS[@]}"; do pkgs+=("$NSQ_MODULE/apps/$app@$NSQ_VERSION"); done
if ! go get "${pkgs[@]}" >"$WORK_DIR/get.log" 2>&1; then
  cat "$WORK_DIR/get.log" >&2
  die "go get $NSQ_MODULE@$NSQ_VERSION failed (is the Go module proxy reachable?)"
fi

mkdir -p "$BIN_DIR"
for app in "${APPS[@]}"; do
  log "building $app -> $BIN_DIR/$app"
  go build -trimpath -o "$BIN_DIR/$app.tmp" "$NSQ_MODULE/apps/$app"
  mv -f "$BIN_DIR/$app.tmp" "$BIN_DIR/$app"
  has_version "$BIN_DIR/$app" || die "$BIN_DIR/$app does not report $NSQ_VERSION"
  log "built $("$BIN_DIR/$app" --version 2>&1 | head -n1)"
done
log "done in $((SECONDS - start))s"
