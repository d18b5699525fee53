# The command line as a shell user meets it (issue 14): the installed man
# pages and `hpprof help`, one-line errors for wrong options, and a closed
# pipe on stdout that is not an error.
hp_script_test(e2e_cli_man     e2e e2e/cli_man.sh)
hp_script_test(e2e_cli_options e2e e2e/cli_options.sh)
hp_script_test(e2e_cli_pipe    e2e e2e/cli_pipe.sh)
