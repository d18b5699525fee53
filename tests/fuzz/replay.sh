#!/bin/sh
# replay.sh REPLAY CORPUS: run a fuzz target's replay binary (replay.c) on a
# corpus: a directory, or a .tar.xz of one (db_file's inputs are 28 KB
# databases that differ in a few bytes: 8.8 MB as files, 24 KB packed).
set -eu
bin=$1 corpus=$2
case $corpus in
*.tar.xz)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/hpprof-corpus.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	tar -xJf "$corpus" -C "$dir"
	"$bin" "$dir" ;;
*)
	exec "$bin" "$corpus" ;;
esac
