# The rank comparison of `hpprof diff` (text and JSON) and of the TUI's
# ranks view (--dump) on two 4-rank jobs made from the export fixture's rows
# (tests/golden/ranks_diff.sh).
hp_script_test(golden_ranks_diff golden golden/ranks_diff.sh)
