# FindIberty: binutils' libiberty (cplus_demangle: C++, Rust and D names).
# Debian's libiberty-dev ships a static library and its headers in
# /usr/include/libiberty, without a pkg-config file.
#   Iberty_FOUND, Iberty_INCLUDE_DIRS, Iberty_LIBRARIES and the imported
#   target Iberty::iberty (include as <libiberty/demangle.h>).
find_path(Iberty_INCLUDE_DIR libiberty/demangle.h)
find_library(Iberty_LIBRARY NAMES iberty)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Iberty REQUIRED_VARS Iberty_LIBRARY Iberty_INCLUDE_DIR)

if(Iberty_FOUND AND NOT TARGET Iberty::iberty)
  set(Iberty_INCLUDE_DIRS ${Iberty_INCLUDE_DIR})
  set(Iberty_LIBRARIES ${Iberty_LIBRARY})
  add_library(Iberty::iberty UNKNOWN IMPORTED)
  set_target_properties(Iberty::iberty PROPERTIES
    IMPORTED_LOCATION "${Iberty_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Iberty_INCLUDE_DIR}")
endif()
mark_as_advanced(Iberty_INCLUDE_DIR Iberty_LIBRARY)
