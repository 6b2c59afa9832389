# The downstream test: a separate CMake project built against the installed kode.
add_test(NAME downstream:find_package_and_cli
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/downstream/run_downstream_test.sh
                 ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/downstream
                 ${CMAKE_CURRENT_BINARY_DIR}/downstream-work ${CMAKE_CXX_COMPILER} "${Kokkos_ROOT}")
set_tests_properties(downstream:find_package_and_cli PROPERTIES LABELS downstream TIMEOUT 900)
