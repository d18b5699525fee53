# The dependency direction of docs/architecture.md, checked on the sources:
# no library includes a header of a higher (or sibling) layer.
hp_script_test(layers unit unit/layers.sh)
# Focused files (issue 11): no production file over 800 lines, cmd_stat.c
# <= 400, session.c <= 600.
hp_script_test(file_sizes unit unit/file_sizes.sh)
