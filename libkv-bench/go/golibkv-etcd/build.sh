#!/bin/sh
# Builds golibkv-etcd from Debian's packages only (no module downloads):
#   apt-get install -y golang-go golang-github-docker-libkv-dev golang-etcd-server-dev
#   libkv-bench/go/golibkv-etcd/build.sh [OUTPUT]     (default: next to this script)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/golibkv-etcd}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/golibkvetcd"
cp "$here/main.go" "$work/src/golibkvetcd/"
cd "$work/src/golibkvetcd"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$work/cache}" go build -o "$out" .
echo "$out"
