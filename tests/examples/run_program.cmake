# Runs one example program and checks how it ended: its exit code, and text its output must hold.
# An abort (an uncaught exception: exit code 134 from the shell, "Child aborted" here) fails the
# check like any other wrong code.
#
#   cmake -DPROGRAM=<path> -DARGS=<a|b|c> -DEXPECT_CODE=<n> -DEXPECT_OUTPUT=<regex>
#         [-DWORKING_DIRECTORY=<dir>] -P run_program.cmake
# The arguments are joined by '|' (tests/CMakeLists.txt), since a ';' would split them earlier.
string(REPLACE "|" ";" ARGS "${ARGS}")
if(WORKING_DIRECTORY)
  file(REMOVE_RECURSE ${WORKING_DIRECTORY})
  file(MAKE_DIRECTORY ${WORKING_DIRECTORY})
else()
  set(WORKING_DIRECTORY .)
endif()
execute_process(COMMAND ${PROGRAM} ${ARGS}
  WORKING_DIRECTORY ${WORKING_DIRECTORY}
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT "${code}" STREQUAL "${EXPECT_CODE}")
  message(FATAL_ERROR "${PROGRAM} ${ARGS}: exit code '${code}', expected ${EXPECT_CODE}\n"
    "output:\n${all}")
endif()
if(NOT all MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "${PROGRAM} ${ARGS}: the output does not match '${EXPECT_OUTPUT}'\n"
    "output:\n${all}")
endif()
