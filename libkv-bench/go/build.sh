#!/bin/sh
# Builds one of the Go comparison programs in this directory from Debian's packages only (no module
# downloads):
#   apt-get install -y golang-go golang-github-docker-libkv-dev golang-etcd-server-dev
#   libkv-bench/go/build.sh PROGRAM [OUTPUT]     (PROGRAM: golibkv-etcd, golibkv-zk, golibkv-boltdb;
#                                                 OUTPUT defaults to the program's directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] && [ -f "$here/$1/main.go" ] || { echo "usage: build.sh PROGRAM [OUTPUT]" >&2; exit 2; }
name=$1
out=${2:-$here/$name/$name}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$(echo "$name" | tr -d -)
mkdir -p "$work/src/$pkg"
cp "$here/$name"/*.go "$here"/common/*.go "$work/src/$pkg/"
cd "$work/src/$pkg"
GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$work/cache}" go build -o "$out" .
echo "$out"
