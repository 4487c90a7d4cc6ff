# pip install (scikit-build-core, SKBUILD): what goes into the wheel, all as install component
# `python` (pyproject.toml: install.components = ["python"]; the other install rules, for
# `cmake --install`, are left out). CMAKE_INSTALL_PREFIX is the wheel's site-packages:
#   soapgap/                    the Python package and _soapgap (python/CMakeLists.txt), RPATH $ORIGIN/lib
#   soapgap/lib/libsoapgap.so.N the library (one file: VERSION = SOVERSION, no version symlink)
#   soapgap/lib/soapgapplugin.so  the LAMMPS plugin, when built (cmake/wheel_lammps.cmake)
#   soapgap/bin/soapgap         the command-line tool; the console script `soapgap`
#                               (soapgap._cli:main) runs it
if(NOT TARGET _soapgap)
  message(FATAL_ERROR "pip install: the Python module was not configured (pybind11 or the Python "
    "development files of ${Python3_EXECUTABLE} not found)")
endif()
set_target_properties(soapgap PROPERTIES VERSION ${PROJECT_VERSION_MAJOR} SOVERSION ${PROJECT_VERSION_MAJOR})
install(TARGETS soapgap LIBRARY DESTINATION soapgap/lib NAMELINK_SKIP COMPONENT python)
set_target_properties(soapgap_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../lib")
install(TARGETS soapgap_cli RUNTIME DESTINATION soapgap/bin COMPONENT python)
if(TARGET soapgapplugin)
  set_target_properties(soapgapplugin PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS soapgapplugin LIBRARY DESTINATION soapgap/lib COMPONENT python)
endif()
