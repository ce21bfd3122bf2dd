# interleave_add_test(NAME SOURCES src... [LIBS lib...] [LABELS label...])
# One GoogleTest executable registered with CTest; each test case becomes a CTest test carrying LABELS
# (the tsan job selects by label).
include(GoogleTest)
function(interleave_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
