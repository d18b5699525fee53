# hpprof report on real runs (issue 14): the header of a crash, of merged
# runs of different frequencies and of a selection, the processes' exit
# note, and the default layout's width.
hp_script_test(e2e_report_header e2e e2e/report_header.sh $<TARGET_FILE:diff_speedup>)
# Long C++ names in the report's and the TUI's columns, whole in CSV/JSON;
# annotate of one template instantiation (tests/fixtures/report/cpp_names.cpp).
hp_script_test(e2e_report_cpp e2e e2e/report_cpp.sh)
