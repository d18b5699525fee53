# Documentation checks: every option of every command has a man page entry.
hp_script_test(golden_docs_options golden golden/docs_options.sh)
