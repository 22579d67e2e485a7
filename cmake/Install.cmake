# What `cmake --install` puts under the prefix:
#   bin/exvivo                          the command line
#   share/exvivo/{models,scenarios}     bundled models and example scenarios
#   share/exvivo/report/                the report tool (`exvivo report` finds it from bin/)
#   include/exvivo/, lib/libexvivo_*.a  headers and static libraries of the engine
#   lib/cmake/exvivo/                   package config: find_package(exvivo) -> exvivo::engine
#   ${EXVIVO_PYTHON_INSTALL_DIR}/exvivo the Python module (python/CMakeLists.txt)
include(CMakePackageConfigHelpers)

set(EXVIVO_INSTALL_SHAREDIR ${CMAKE_INSTALL_DATADIR}/exvivo)
set(EXVIVO_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/exvivo)

install(TARGETS exvivo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(DIRECTORY models/ DESTINATION ${EXVIVO_INSTALL_SHAREDIR}/models COMPONENT runtime)
install(DIRECTORY scenarios/ DESTINATION ${EXVIVO_INSTALL_SHAREDIR}/scenarios COMPONENT runtime)
install(DIRECTORY tools/report/ DESTINATION ${EXVIVO_INSTALL_SHAREDIR}/report COMPONENT runtime
  FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)

install(EXPORT exvivoTargets NAMESPACE exvivo:: DESTINATION ${EXVIVO_INSTALL_CMAKEDIR} COMPONENT development)
configure_package_config_file(cmake/exvivoConfig.cmake.in ${CMAKE_BINARY_DIR}/cmake/exvivoConfig.cmake
  INSTALL_DESTINATION ${EXVIVO_INSTALL_CMAKEDIR} PATH_VARS EXVIVO_INSTALL_SHAREDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/exvivoConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/exvivoConfig.cmake ${CMAKE_BINARY_DIR}/cmake/exvivoConfigVersion.cmake
  DESTINATION ${EXVIVO_INSTALL_CMAKEDIR} COMPONENT development)
