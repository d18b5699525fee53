#!/bin/sh
# perl (Debian's /usr/bin/perl, nobody here wrote it) under hpprof --alloc
# and heaptrack: calls, leaks, heap peak and temporaries agree. The
# workload: a hash of 100,000 keys, summed in sorted key order. perl does
# not free its arenas at exit, so most of the heap is leaked, which makes
# the leak total (report --memory's "total of N sites", heaptrack's "total
# memory leaked") a check of its own; by hand with 300,000 keys both said
# 35713996 bytes. Hash order is fixed (PERL_HASH_SEED=0) so both runs
# allocate the same.
. "$HP_SRC/tests/realworld/memory_lib.sh"
need perl perl-base
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
cat >work.pl <<'PL'
my %h; for my $i (1..100000) { $h{"k$i"} = $i * 2; }
my $s = 0; for my $k (sort keys %h) { $s += $h{$k}; } print "$s\n";
PL
mem_compare ":" perl work.pl
# the report's leak total is the leaked bytes just checked against heaptrack
want=$(sqlite3 alloc.db "SELECT SUM(leaked_bytes) FROM alloc_sites WHERE leaked_bytes > 0")
got=$("$HPPROF" report --memory -n 3 alloc.db | awk '/^Leaks/ { on = 1 } on && / total of / { print $1 }')
[ -n "$want" ] && [ "$got" = "$want" ] || fail "report --memory's leak total '$got', alloc_sites '$want'"
note "report --memory: leaks total $got bytes"
