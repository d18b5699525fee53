# FindPfm: libpfm4 (perf event name encoding). libpfm4 ships no pkg-config file.
#   Pfm_FOUND, Pfm_INCLUDE_DIRS, Pfm_LIBRARIES and the imported target Pfm::pfm.
find_path(Pfm_INCLUDE_DIR perfmon/pfmlib_perf_event.h)
find_library(Pfm_LIBRARY NAMES pfm)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Pfm REQUIRED_VARS Pfm_LIBRARY Pfm_INCLUDE_DIR)

if(Pfm_FOUND AND NOT TARGET Pfm::pfm)
  set(Pfm_INCLUDE_DIRS ${Pfm_INCLUDE_DIR})
  set(Pfm_LIBRARIES ${Pfm_LIBRARY})
  add_library(Pfm::pfm UNKNOWN IMPORTED)
  set_target_properties(Pfm::pfm PROPERTIES
    IMPORTED_LOCATION "${Pfm_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Pfm_INCLUDE_DIR}")
endif()
mark_as_advanced(Pfm_INCLUDE_DIR Pfm_LIBRARY)
