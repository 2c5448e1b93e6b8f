# Serve end-to-end: a real Ray head (pinned ray[serve] via scripts/install-ray.sh), CPU-only,
# 2 CPUs, one head for the whole scenario (tests/integration/serve/scenario.sh). About 3-4 min
# warm on 2 cores (mostly replica start-up), plus the Ray install when the cache is cold.
add_test(NAME serve_e2e_real_ray
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/serve/scenario.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(serve_e2e_real_ray PROPERTIES LABELS integration RESOURCE_LOCK serve TIMEOUT 900)
