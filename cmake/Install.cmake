# install(): the libraries, their headers and the interleave command, and a CMake package so that
# another project can
#   find_package(interleave REQUIRED)
#   target_link_libraries(my_test PRIVATE interleave::interleave interleave::testing)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# interleave::interleave: the seam, the store, the harness and the scenarios.
add_library(interleave_all INTERFACE)
target_link_libraries(interleave_all INTERFACE interleave_scenarios interleave_harness interleave_store
                                               interleave_seam)
set_target_properties(interleave_all PROPERTIES EXPORT_NAME interleave)
set_target_properties(interleave_testing PROPERTIES EXPORT_NAME testing)

install(TARGETS interleave_seam interleave_client interleave_store interleave_harness interleave_scenarios
                interleave_programs interleave_fuzz_runner interleave_cli_lib interleave_testing interleave_all
        EXPORT interleaveTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS interleave RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# interleave::shim: the preloaded library of `interleave run`, for tests of programs of one's own
# (interleave/programs.h) to find.
set_target_properties(interleave_shim PROPERTIES EXPORT_NAME shim)
install(TARGETS interleave_shim EXPORT interleaveTargets LIBRARY DESTINATION lib)
# The public headers (include/interleave/*.h, documented contracts) at include/interleave, and the
# internal ones they include under include/interleave/detail: code of one's own includes the
# former (<interleave/seam.h>); the latter may change between versions.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/interleave/ DESTINATION include/interleave
        FILES_MATCHING PATTERN "*.h")
foreach(dir harness store scenarios programs testing cli fuzz)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION include/interleave/detail/${dir}
          FILES_MATCHING PATTERN "*.h" PATTERN "*_test*" EXCLUDE PATTERN "testutil.h" EXCLUDE
          PATTERN "testdata" EXCLUDE)
endforeach()
install(EXPORT interleaveTargets NAMESPACE interleave::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/interleave)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/interleaveConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/interleaveConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/interleave)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/interleaveConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/interleaveConfig.cmake
              ${PROJECT_BINARY_DIR}/interleaveConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/interleave)
