# The tutorial's shell examples run in the e2e tier.
hp_script_test(e2e_tutorial e2e e2e/tutorial.sh)
