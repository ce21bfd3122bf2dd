# interleave_add_test(NAME SOURCES src... [LIBS lib...] [LABELS label...])
# One GoogleTest executable registered with CTest; each test case becomes a CTest test carrying the
# label (the tsan test preset selects harness, store and scenarios by label). Give one label only:
# gtest_discover_tests splits a ';'-list and keeps just the first.
include(GoogleTest)
function(interleave_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
