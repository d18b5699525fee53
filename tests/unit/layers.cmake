# The dependency direction of docs/architecture.md, checked on the sources:
# no library includes a header of a higher (or sibling) layer.
hp_script_test(layers unit unit/layers.sh)
