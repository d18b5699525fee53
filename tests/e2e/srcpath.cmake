# Source files read through --source-map / HPPROF_SOURCE_MAP (annotate and
# the TUI's source view; analyzer/srcpath.c).
hp_script_test(e2e_annotate_source_map e2e e2e/annotate_source_map.sh)
