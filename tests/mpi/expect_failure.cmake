# A CTest helper (cmake -P): runs a program that must fail, and passes only if it exits non-zero
# and its output matches a pattern.
#   -DCOMMAND=<program and arguments, separated by |>  -DEXPECT=<regular expression>
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(code EQUAL 0)
  message(FATAL_ERROR "exited with code 0, expected a failure:\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "exited with code ${code}, but its output does not match '${EXPECT}':\n"
    "${out}${err}")
endif()
message(STATUS "exited with code ${code}, as expected, saying what failed")
