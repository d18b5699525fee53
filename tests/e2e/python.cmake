# `hpprof run` of CPython 3.11 programs: Python frames merged into native
# stacks, against the fixtures' own truths (tests/e2e/python_run.sh), and
# JIT maps (/tmp/perf-PID.map) from Node.
foreach(c shares execshell native threads pool unsupported noperf julia kernel kernelfn deep diffscripts
          pyenv sigmask unseen)
  hp_script_test(e2e_python_${c} e2e e2e/python_run.sh ${c})
endforeach()
# Threads of a CPython 3.11 asleep when an attach begins: their waits with
# their Python frames (tests/e2e/python_attach_asleep.sh).
hp_script_test(e2e_python_attach_asleep e2e e2e/python_attach_asleep.sh)
hp_script_test(e2e_jitmap_node e2e e2e/jitmap_node.sh)
hp_script_test(e2e_tui_python e2e e2e/tui_python.sh)
# Memory per Python line: allocations (--alloc), page faults
# (tests/e2e/python_memory.sh).
foreach(c alloc arenas faults faultsmerge deepalloc)
  hp_script_test(e2e_python_mem_${c} e2e e2e/python_memory.sh ${c})
endforeach()
# `hpprof run -p PID` of a running CPython 3.11 (tests/e2e/python_attach.sh).
foreach(c shares truth callerline bpfcallers bpfsame nobpf exec child bpfchild off unsupported
    deep bpfoffcpu bpfselect)
  hp_script_test(e2e_python_attach_${c} e2e e2e/python_attach.sh ${c})
endforeach()
# When a launched program is looked at for a Python runtime: once, and
# again when it maps a libpython (tests/e2e/python_probes.sh).
foreach(c native latelib)
  hp_script_test(e2e_python_probes_${c} e2e e2e/python_probes.sh ${c})
endforeach()
# Off-CPU time of a launched CPython 3.11 under the preload agent
# (tests/e2e/python_offcpu.sh).
foreach(c launched nooff nobpf unpriv)
  hp_script_test(e2e_python_offcpu_${c} e2e e2e/python_offcpu.sh ${c})
endforeach()
