#!/bin/sh
# perl (stripped: its static functions are unnamed code, its exported
# Perl_* functions named) building and sorting a hash of 150,000 keys.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need perl perl-base
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
cat >work.pl <<'PL'
my %h; for my $i (1..150000) { $h{"k$i"} = $i * 2; }
my $s = 0; for my $k (sort keys %h) { $s += $h{$k}; } print "$s\n";
PL
rw_cpu perl work.pl
