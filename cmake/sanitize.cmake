# Hardening builds (docs/development.md "Sanitizers and fuzzing"), included from the top
# CMakeLists.txt before any target is defined so every library, test and tool gets the flags.
#
# SLAWATCH_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer on everything. UB is fatal
#   (-fno-sanitize-recover) so a test that triggers it fails instead of printing and passing.
# SLAWATCH_FUZZ (clang only): the same plus libFuzzer coverage instrumentation, and the fuzz
#   targets in fuzz/. Implies SLAWATCH_SANITIZE, so one tree can run ctest and the fuzzers.
option(SLAWATCH_SANITIZE "Build everything with ASan + UBSan" OFF)
option(SLAWATCH_FUZZ "Build the libFuzzer targets in fuzz/ (clang; implies SLAWATCH_SANITIZE)" OFF)

if(SLAWATCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SLAWATCH_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(SLAWATCH_SANITIZE ON CACHE BOOL "Build everything with ASan + UBSan" FORCE)
endif()

if(SLAWATCH_SANITIZE)
  set(slawatch_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang 14's -fsanitize=function cannot compile Asio's coroutine frames ("Cannot represent
    # a difference across sections" in daemon/http); every other UBSan check stays on.
    list(APPEND slawatch_sanitizers -fno-sanitize=function)
  endif()
  add_compile_options(${slawatch_sanitizers})
  add_link_options(${slawatch_sanitizers})
endif()

if(SLAWATCH_FUZZ)
  # Coverage feedback for the fuzzer in every library; only the fuzz targets link libFuzzer's
  # main (-fsanitize=fuzzer), so tests and the daemon keep their own main().
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Boost 1.74's Asio enables co_await for clang only with libc++; clang 14 with Debian's
  # libstdc++ 12 has working <coroutine> too, so say so (daemon/http uses asio::awaitable).
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
endif()
