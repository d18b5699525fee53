# Memory per Python line (issue 17) on the standard library's json.tool:
# allocations against the file it reads, page faults against perf stat.
hp_script_test(realworld_python_lines realworld realworld/python_lines.sh)
set_tests_properties(realworld_python_lines PROPERTIES RESOURCE_LOCK realworld)
# The time a Python program's samples did not see (wave 29): the standard
# library's tarfile command line as the user nobody, against perf record.
hp_script_test(realworld_python_unseen realworld realworld/python_unseen.sh)
set_tests_properties(realworld_python_unseen PROPERTIES RESOURCE_LOCK realworld)
