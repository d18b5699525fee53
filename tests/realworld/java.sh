#!/bin/sh
# A Java program (tests/fixtures/rwlang/java/Hot.java: a hot method the JIT
# compiles, a sort with a lambda comparator) on OpenJDK 17, which writes
# /tmp/perf-PID.map when it exits (-XX:+DumpPerfMapAtExit). hpprof reads the
# map at the end of its run, after the process has exited, as perf does at
# report time. -XX:+PreserveFramePointer lets hpprof unwind through JIT
# code (perf --call-graph dwarf stops at the first JIT frame).
. "$HP_SRC/tests/realworld/lib.sh"
rw_need java openjdk-17-jdk-headless
rw_need javac openjdk-17-jdk-headless
cp "$HP_SRC/tests/fixtures/rwlang/java/Hot.java" . && rw_step javac javac Hot.java
# Each run's JVM appends its pid here (exec keeps it), so that the maps it
# left in /tmp are removed when the test ends, and only those.
cat >runjava <<EOS
#!/bin/sh
echo \$\$ >>"$T/pids"
exec java -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer \
	-Xshare:auto -cp "$T" Hot "\$@"
EOS
chmod +x runjava
cleanup() {
	[ -n "${RW_KEEP:-}${RW_FAILED:-}" ] && return   # kept: perf report needs the maps too
	[ -f "$T/pids" ] && while read -r p; do rm -f "/tmp/perf-$p.map"; done <"$T/pids"
	rw_cleanup
}
trap cleanup EXIT
rw_cpu "$T/runjava" 6
