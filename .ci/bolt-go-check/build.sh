#!/bin/sh
# Builds the Go checker from Debian's packages only (no module downloads):
#   apt-get install -y golang-go golang-github-coreos-bbolt-dev golang-github-boltdb-bolt-dev
#   .ci/bolt-go-check/build.sh [OUTPUT]        (default: .ci/bolt-go-check/bolt-go-check)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/bolt-go-check}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/boltgocheck"
cp "$here"/*.go "$work/src/boltgocheck/"
cd "$work/src/boltgocheck"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$work/cache}" go build -o "$out" .
echo "$out"
