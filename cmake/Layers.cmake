# Layers.cmake - each library sees only its own layer and the layers below.
#
# Headers are included as "layer/file.h". Instead of one include root (the
# source tree, where every layer is visible), each library gets a root of
# its own under the build tree holding symbolic links to the layers it may
# use; an upward include ("analyzer/..." from collector/) then fails to
# compile. tests/unit/layers.sh checks the same rule on the sources.
#
#   hp_layer_root(TARGET VISIBILITY LAYER...)
function(hp_layer_root target visibility)
  set(root ${CMAKE_BINARY_DIR}/layers/${target})
  file(MAKE_DIRECTORY ${root})
  foreach(layer ${ARGN})
    if(NOT EXISTS ${root}/${layer})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${layer} ${root}/${layer} SYMBOLIC)
    endif()
  endforeach()
  target_include_directories(${target} ${visibility} ${root})
endfunction()
