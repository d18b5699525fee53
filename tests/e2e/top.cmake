# hpprof top: the live view in a real terminal (tmux drives it) and in
# --batch mode (tables on stdout), launched and attached, and the database
# it writes read back by report.
hp_script_test(e2e_top_tmux e2e e2e/top_tmux.sh)
hp_script_test(e2e_top_batch e2e e2e/top_batch.sh)
# A CPython 3.11 target (launched and attached): Python functions named live
# as report names them (skips without /usr/bin/python3.11).
hp_script_test(e2e_top_python e2e e2e/top_python.sh)
# top --batch | head: the closed pipe stops the session as q does, the
# database is saved.
hp_script_test(e2e_top_pipe e2e e2e/top_pipe.sh)
# wave 16: top's wall self is the innermost frame outside the kernel (wall_profile's)
hp_script_test(e2e_top_wall_self e2e e2e/top_wall_self.sh)
