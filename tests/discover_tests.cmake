# Turns the test cases of one Catch2 executable into CTest tests with a label each. ctest runs
# this (through the include file h2lens_discover_tests writes) every time it starts, so the list
# is never stale. Input variables: EXE, WORKDIR, DEFAULT_LABEL.
#
# Why not catch_discover_tests (Catch2 2.13's Catch.cmake): it splits names at ';', CMake's list
# separator, so "a; b" became two CTest tests "a" and " b" that matched no test case and passed
# without running anything. Here a ';' in a name stays in it, and every test runs with
# `-w NoTests`, so a name that matches nothing fails instead of passing.
#
# Labels: a test case tagged [uses-interface] is `live`, one tagged [uses-captures] (and not
# [uses-interface]) is `capture`, every other one gets DEFAULT_LABEL (tests/README.md). Each
# executable is listed three times, once per label; a test case is in exactly one list.

function(h2lens_add_catch_tests spec label)
  execute_process(
    COMMAND "${EXE}" "${spec}" --list-test-names-only
    OUTPUT_VARIABLE out
    RESULT_VARIABLE rc
    WORKING_DIRECTORY "${WORKDIR}")
  # Catch returns the number of test cases listed; only a crash or a missing file is negative or
  # a message.
  if(NOT rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "${EXE} --list-test-names-only failed: ${rc}")
  endif()
  # Protect the ';' in names before the output becomes a CMake list of lines.
  string(REPLACE ";" "<h2lens-semicolon>" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    if(line STREQUAL "")
      continue()
    endif()
    string(REPLACE "<h2lens-semicolon>" ";" name "${line}")
    # Catch test specs: ',' separates alternatives, '\' escapes.
    string(REPLACE "\\" "\\\\" run_spec "${name}")
    string(REPLACE "," "\\," run_spec "${run_spec}")
    add_test("${name}" "${EXE}" "${run_spec}" -w NoTests)
    set_tests_properties("${name}" PROPERTIES LABELS "${label}" WORKING_DIRECTORY "${WORKDIR}")
  endforeach()
endfunction()

# `~[.]`: hidden test cases (`[.bench]`) are run by hand, not by ctest; a spec of exclusions
# alone would list them.
h2lens_add_catch_tests("[uses-interface]~[.]" live)
h2lens_add_catch_tests("[uses-captures]~[uses-interface]~[.]" capture)
h2lens_add_catch_tests("~[uses-captures]~[uses-interface]~[.]" "${DEFAULT_LABEL}")
