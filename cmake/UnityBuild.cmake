# Unity builds (-DCMAKE_UNITY_BUILD=ON; tools/setup.sh uses them for the
# sanitizer trees of CI only, which a fresh CI machine compiles from scratch:
# each batch of up to 8 sources parses the shared headers and instantiates the
# shared templates once instead of 8 times). The release tree, whose
# compile_commands.json clang-tidy reads, is not a unity build.
#
# A unity batch is one translation unit, so two sources of one target that
# define a file-local helper (anonymous namespace, static, constexpr) under the
# same name do not compile together: each source below is compiled on its own
# (the clashing name and the other source in the comment). A new clash shows
# as "redefinition of ..." in the sanitizer build: add the source here, or
# give the helper a distinct name. A silent clash is worse (below): the
# sanitizer passes would check other code than the release build ships.
set(exvivo_unity_excluded
  engine/core/units.cpp                        # is_digit: number.cpp
  engine/expr/printer.cpp                      # number_text: ast.cpp
  tests/core/test_units_quantity.cpp           # kRel: test_units.cpp
  tests/fit/test_coverage_logit.cpp            # k_true, Coverage: test_recovery.cpp
  tests/fit/test_multi_scenario.cpp            # fit_text, Files: test_fit_problem.cpp
  tests/fit/test_recovery.cpp                  # model_path: test_sensitivity.cpp
  tests/io/test_atomic_file.cpp                # scratch_dir: test_output_dir.cpp
  tests/model/test_native_code.cpp             # bundled_models: test_model_derivatives.cpp
  tests/models/test_leukocyte_v2.cpp           # pbmc, whole_blood, add_at: test_leukocyte_monocytes.cpp
  tests/sbml/test_state_event_sensitivities.cpp  # load: test_sbml_reader.cpp
)
# An engine source with a using-directive (`using namespace rodas4;` for a
# method's coefficients) is compiled on its own too, found here by its text:
# in a batch, a file-local name of another source (Dormand-Prince's c3, a2, ...)
# hides the names the directive brings in, silently. That is no compile error:
# the unity-built Rodas4 stepper used Dormand-Prince's coefficients and its
# convergence-order test failed (order 0.8 instead of 4).
file(GLOB_RECURSE engine_sources CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/engine/*.cpp)
foreach(source ${engine_sources})
  file(STRINGS ${PROJECT_SOURCE_DIR}/${source} directive REGEX "^[ \t]*using namespace ")
  if(directive)
    list(APPEND exvivo_unity_excluded ${source})
  endif()
endforeach()

foreach(source ${exvivo_unity_excluded})
  get_filename_component(dir ${source} DIRECTORY)
  if(dir MATCHES "^tests/" AND NOT EXVIVO_BUILD_TESTS)
    continue()
  endif()
  set_source_files_properties(${PROJECT_SOURCE_DIR}/${source} DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}
    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endforeach()
