# Unit test of analyzer/srcpath.c and srcpath_rust.c: --source-map,
# $HPPROF_SOURCE_MAP, and Rust std paths found in a rust-src (real files in
# a temporary directory; Debian's rust-src when installed).
hp_unit_test(test_srcpath SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_srcpath.c LIBS hp_analyzer)
