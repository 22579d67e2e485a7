# CPack: `cpack -G DEB` in the build directory makes two Debian packages,
#   exvivo_<version>_<arch>.deb      the command line, report tool, Python module,
#                                    models and scenarios (apt-get install ./exvivo_*.deb)
#   exvivo-dev_<version>_<arch>.deb  headers, static libraries and the CMake package
# with their dependencies declared, installed under /usr.
set(CPACK_PACKAGE_NAME exvivo)
set(CPACK_PACKAGE_VENDOR "exvivo developers")
set(CPACK_PACKAGE_CONTACT "exvivo developers <exvivo@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Simulation of ex vivo drug-restoration assays on leukocytes of septic patients")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME exvivo)
# Shared libraries the executable and the Python module link (dpkg-shlibdeps
# finds their packages and versions), plus what the scripts import.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# The Python module is built for one python3 minor version (python3 (>= 3.11), python3 (<< 3.12)).
if(EXVIVO_BUILD_PYTHON)
  math(EXPR next_minor "${PYTHON_VERSION_MINOR} + 1")
  set(python_depends "python3 (>= ${PYTHON_VERSION_MAJOR}.${PYTHON_VERSION_MINOR}), python3 (<< ${PYTHON_VERSION_MAJOR}.${next_minor}), python3-pandas, ")
endif()
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${python_depends}python3, python3-matplotlib, python3-numpy")
# Native code for models is compiled by the system C compiler at run time
# (the interpreter is used without one).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "gcc")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "exvivo command line (run, fit, analyze, report, ...), Python module, models and example scenarios")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME exvivo-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "exvivo (= ${PROJECT_VERSION}), libboost-dev, libeigen3-dev, libtbb-dev, libyaml-cpp-dev, libfmt-dev, nlohmann-json3-dev, libsbml5-dev, libsuitesparse-dev, pkg-config")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
  "exvivo engine headers, static libraries and CMake package (find_package(exvivo) -> exvivo::engine)")
include(CPack)
