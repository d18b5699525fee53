# Render one Markdown man page (docs/man/*.md) to roff, at build time.
#   cmake -DIN=hpprof-run.md -DOUT=hpprof-run.1 -DCONVERTER=/usr/bin/go-md2man
#         -DVERSION=0.1.0 -P render.cmake
#
# The pages open with a pandoc title line, "% HPPROF-RUN(1) hpprof | User
# Commands", which pandoc reads as it is. go-md2man copies a "%" line into
# .TH verbatim, so for it the line is rewritten to .TH's own fields:
#   % HPPROF-RUN 1 "" "hpprof 0.1.0" "User Commands"
# go-md2man 2.0.2 (Debian 12) also puts the cell that follows a wrapped table
# cell ("T}") on a line of its own, which tbl reads as a new row; the cell is
# joined back. These fixes are checked by tests/e2e/cli_man.sh.
get_filename_component(conv_name ${CONVERTER} NAME)
if(conv_name STREQUAL "pandoc")
  execute_process(COMMAND ${CONVERTER} -s -t man ${IN} -o ${OUT} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pandoc failed on ${IN}")
  endif()
  return()
endif()

file(READ ${IN} text)
string(REGEX MATCH "^% ([A-Za-z0-9_-]+)\\(([0-9a-z]+)\\)[^|\n]*\\|? *([^\n]*)" title "${text}")
if(NOT title)
  message(FATAL_ERROR "${IN}: the first line must be '% NAME(SECTION) hpprof | MANUAL'")
endif()
set(th "% ${CMAKE_MATCH_1} ${CMAKE_MATCH_2} \"\" \"hpprof ${VERSION}\" \"${CMAKE_MATCH_3}\"")
string(REGEX REPLACE "^%[^\n]*" "${th}" text "${text}")
file(WRITE ${OUT}.md "${text}")
execute_process(COMMAND ${CONVERTER} -in ${OUT}.md -out ${OUT} RESULT_VARIABLE rc)
file(REMOVE ${OUT}.md)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "go-md2man failed on ${IN}")
endif()
file(READ ${OUT} roff)
string(REPLACE "T}\n\t" "T}\t" roff "${roff}")
# Its .nh comes before .TH, which turns hyphenation back on: repeat it after,
# so option names are never split across lines.
string(REGEX REPLACE "(\n\\.TH [^\n]*\n)" "\\1.nh\n" roff "${roff}")
file(WRITE ${OUT} "${roff}")
