#!/bin/sh
# Builds golibkv-boltdb from Debian's packages only (no module downloads):
#   apt-get install -y golang-go golang-github-docker-libkv-dev golang-github-coreos-bbolt-dev
#   libkv-bench/go/golibkv-boltdb/build.sh [OUTPUT]     (default: next to this script)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/golibkv-boltdb}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/golibkvboltdb"
cp "$here/main.go" "$work/src/golibkvboltdb/"
cd "$work/src/golibkvboltdb"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$work/cache}" go build -o "$out" .
echo "$out"
