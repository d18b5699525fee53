# The bundled kernels (kernels/, shared/brief/kernels.md): every kernel and
# variant runs at --small, exits 0 and prints its validation line; the
# full-size julia checksum is the book's; the catalog, the --help variant
# lists and this file agree; the symbols and marker lines other tests rely
# on exist. The binaries come from `cmake --build . --target kernels`.

# KERNEL:VARIANT, each run as `hp-KERNEL --variant VARIANT --small`.
set(HP_KERNEL_VARIANTS
  julia:expanded julia:cabs julia:boxed julia:threads
  diffusion:lists diffusion:lists_prealloc diffusion:temporaries diffusion:inplace
  diffusion:fused diffusion:colmajor
  laplace:loop laplace:jacobi laplace:colmajor
  hashing:bad hashing:firstletter hashing:perfect hashing:fnv
  memory:stream memory:materialize memory:boxed memory:contiguous memory:leak
  memory:growvec memory:exactvec
  primes:serial primes:threads primes:procs
  pi:serial pi:threads pi:procs pi:locked
  calib:split
  io:serial io:concurrent)

foreach(kv ${HP_KERNEL_VARIANTS})
  string(REPLACE ":" ";" kv_list ${kv})
  list(GET kv_list 0 k)
  list(GET kv_list 1 v)
  hp_script_test(kernel_${k}_${v} e2e e2e/kernels_run.sh ${k} --variant ${v} --small)
endforeach()

# Options beyond the defaults: the other schedule, process and chunk counts.
# The static split's imbalance is in the work itself: the escape-loop
# iterations per thread are fixed by the grid (max/mean 1.98 exactly), so
# that is what is checked; the CPU-time ratio the kernel also prints varies
# with the machine (1.85-2.0) and is compared with hpprof's per-thread
# samples in e2e_run_julia_variants. The dynamic schedule's balance depends
# on the OS scheduler on a shared 2-core machine, so only its result is
# checked.
hp_script_test(kernel_julia_threads_dynamic e2e e2e/kernels_run.sh
               julia --variant threads --schedule dynamic --chunk 2 --small)
hp_script_test(kernel_julia_threads_static_imbalance e2e e2e/kernels_run.sh
               --expect "work max/mean 1\\.98$" julia --variant threads --repeat 1)
hp_script_test(kernel_primes_procs_chunk e2e e2e/kernels_run.sh
               --expect "count 1229 " primes --variant procs --workers 3 --chunk 7 --small)
hp_script_test(kernel_primes_sieve e2e e2e/kernels_run.sh
               --expect "expected 77024, sieve" primes --variant threads --from 12345 --to 1e6)
# The book's bound: |pi_hat - pi| < 5e-4 at N = 1e8.
hp_script_test(kernel_pi_1e8 e2e e2e/kernels_run.sh
               --expect "error. ([0-4]\\.[0-9]+e-04|[0-9]\\.[0-9]+e-0[5-9]) "
               pi --variant threads --samples 1e8)
hp_script_test(kernel_diffusion_mass_512 e2e e2e/kernels_run.sh
               --expect "book 13\\.52" diffusion --variant fused --size 512 --steps 10)

# The book's checksum at full size (about 0.1 s per pass).
hp_script_test(kernel_julia_full e2e e2e/kernels_run.sh
               --expect "checksum 33219980 \\(expected 33219980\\)" julia --width 1000 --repeat 1)

# The fork+exec helper: the child (hp-julia --small) must exit 0.
hp_script_test(kernel_forkexec e2e e2e/kernels_run.sh forkexec --work 10000000)

hp_script_test(kernel_variants_covered e2e e2e/kernels_variants.sh ${HP_KERNEL_VARIANTS})
hp_script_test(kernel_symbols e2e e2e/kernels_symbols.sh)

# The catalog, tested from the build root so kcatalog_path finds
# <dir>/kernels/hp-NAME exactly as it does for hpprof.
add_executable(kernel_catalog_test ${CMAKE_SOURCE_DIR}/kernels/catalog_test.c)
target_link_libraries(kernel_catalog_test PRIVATE hp_kcatalog)
target_include_directories(kernel_catalog_test PRIVATE ${CMAKE_SOURCE_DIR}/tests)
set_target_properties(kernel_catalog_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
add_test(NAME kernel_catalog COMMAND kernel_catalog_test)
set_tests_properties(kernel_catalog PROPERTIES LABELS unit TIMEOUT 60 ENVIRONMENT "${HP_TEST_ENV}")
