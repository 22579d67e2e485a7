# Run at build time (cmake -P): writes the git revision of SOURCE_DIR into
# OUTPUT as a C++ definition of exvivo::git_revision, rewriting the file only
# when the revision changed so that an unchanged checkout rebuilds nothing.
# A tree without git (a source tarball) records REVISION_FALLBACK.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE revision RESULT_VARIABLE status
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT status EQUAL 0 OR revision STREQUAL "")
  set(revision "${REVISION_FALLBACK}")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
  if(NOT changes STREQUAL "")
    string(APPEND revision "-dirty")
  endif()
endif()
set(text "// Generated at build time by cmake/GitRevision.cmake.\n#include \"core/version.hpp\"\nnamespace exvivo {\nconst char* const git_revision = \"${revision}\";\n}  // namespace exvivo\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
