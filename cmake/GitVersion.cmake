# Regenerates build_info.cpp at every build (not only at configure time) so the git hash recorded in
# every output file's provenance is the one the binary was built from. The file is only rewritten when
# its content changes, so an unchanged tree does not relink anything.
set(DUE_BUILD_INFO_CPP ${CMAKE_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(due_build_info
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DOUTPUT=${DUE_BUILD_INFO_CPP}
          -DDUE_VERSION=${PROJECT_VERSION}
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
  BYPRODUCTS ${DUE_BUILD_INFO_CPP}
  COMMENT "Recording git hash"
  VERBATIM)
