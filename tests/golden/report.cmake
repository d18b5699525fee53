# Golden tests of the text/CSV/JSON report and annotate on a fixture profile.
hp_script_test(golden_report golden golden/report_golden.sh)
