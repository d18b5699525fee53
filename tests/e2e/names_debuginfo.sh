#!/bin/sh
# Names and lines from the three places debug information lives besides the
# binary itself (tests/symbolize fixture program, built here):
#   - .gnu_debugdata: MiniDebugInfo, an xz-compressed ELF with the local
#     function symbols of a stripped binary (as Fedora ships them);
#   - a separate debug file found by .gnu_debuglink next to the binary;
#   - libc6-dbg's files under /usr/lib/debug/.build-id (libc's own lines).
. "$HP_SRC/tests/e2e/lib.sh"
command -v cc >/dev/null || skip "cc is not installed"
command -v xz >/dev/null || skip "xz is not installed (scripts/install-deps.sh)"
src=$HP_SRC/tests/fixtures/names/mangled_labels.c
cc -O2 -g -o full "$src" || fail "cannot build"

# MiniDebugInfo: the recipe of gdb's manual (section "MiniDebugInfo").
nm -D full --format=posix --defined-only | awk '{ print $1 }' | sort >dynsyms
nm full --format=posix --defined-only | awk '$2 ~ /^[Tt]$/ { print $1 }' | sort >funcsyms
comm -13 dynsyms funcsyms >keep
objcopy --only-keep-debug full full.debug
objcopy -S --remove-section .gdb_index --remove-section .comment --keep-symbols=keep \
	full.debug mini
xz mini
cp full mdi && strip --strip-all -R .comment mdi
objcopy --add-section .gnu_debugdata=mini.xz mdi || fail "cannot add .gnu_debugdata"
[ -z "$(nm mdi 2>/dev/null)" ] || fail "mdi has a symbol table"
"$HPPROF" run -q -o mdi.db ./mdi 800 >/dev/null || fail "hpprof run mdi"
n=$(q mdi.db "SELECT COUNT(*) FROM function_profile WHERE module = '$T/mdi'
	      AND function IN ('hpnames::spin_legacy', 'hpnames::spin_v0', 'hpnames.spin_d(ulong, ulong)')
	      AND self_samples > 0")
assert_eq "MiniDebugInfo: named hot functions" "$n" 3

# .gnu_debuglink: the debug file beside the stripped binary.
cp full linked && strip --strip-all linked
objcopy --add-gnu-debuglink=full.debug linked || fail "cannot add .gnu_debuglink"
"$HPPROF" run -q -o linked.db ./linked 800 >/dev/null || fail "hpprof run linked"
line=$(q linked.db "SELECT line FROM line_profile WHERE function = 'hpnames::spin_v0'
		    ORDER BY self_samples DESC LIMIT 1")
want=$(grep -n 'unsigned long spin_v0(unsigned long x, unsigned long n) {' "$src" | cut -d: -f1)
assert_eq "debuglink: hot line of spin_v0" "$line" "$want"

# libc6-dbg by build id: libc's functions have files and lines.
if [ -n "$(find /usr/lib/debug/.build-id -name '*.debug' 2>/dev/null | head -1)" ]; then
	files=$(q linked.db "SELECT COUNT(*) FROM line_profile WHERE module LIKE '%libc.so%'
			     AND file IS NOT NULL")
	note "libc lines with a file: $files"
	n=$(q linked.db "SELECT COUNT(*) FROM functions f JOIN files fi ON fi.id = f.file_id
			 JOIN modules m ON m.id = f.module_id WHERE m.path LIKE '%libc.so%'")
	assert_ge "libc functions with a source file (libc6-dbg)" "$n" 1
fi
echo "PASS"
