# Compiles SRC (syntax only) and expects failure with the message given on the
# source's `// EXPECT: <text>` line.
file(STRINGS ${SRC} expect_line REGEX "^// EXPECT: ")
string(REGEX REPLACE "^// EXPECT: " "" expect "${expect_line}")
set(flags -std=c++20 -fsyntax-only)
foreach(dir ${INCLUDES})
  list(APPEND flags -I${dir})
endforeach()
execute_process(COMMAND ${CXX} ${flags} ${SRC}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
string(FIND "${err}" "${expect}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${SRC} failed to compile without the expected message\n"
    "expected: ${expect}\ngot:\n${err}")
endif()
message(STATUS "failed to compile as expected: ${expect}")
