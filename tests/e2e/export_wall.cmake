# export --format speedscope -w off-cpu|wall against the wall_profile view:
# on the golden off-CPU fixture (label golden) and on a fresh `run
# --off-cpu` of the off-CPU fixture (e2e).
hp_script_test(export_speedscope_wall_fixture golden e2e/export_speedscope_wall.sh fixture)
hp_script_test(export_speedscope_wall_run e2e e2e/export_speedscope_wall.sh run)
