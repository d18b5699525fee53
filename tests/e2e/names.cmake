# e2e tests of how frames are named (docs/symbols.md): demangled C++, Rust
# and D names, PLT stubs, stripped code grouped by FDE, MiniDebugInfo and
# separate debug files, and the symbol cache. The programs are built by the
# scripts from tests/fixtures/names with the system compilers.
foreach(t names_cpp names_mangled names_rust names_plt names_stripped names_debuginfo names_scopes
          symcache symmiss symprefetch)
  hp_script_test(e2e_${t} e2e e2e/${t}.sh)
endforeach()
