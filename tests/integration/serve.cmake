# Serve end-to-end: a real Ray head (pinned ray[serve] from scripts/install-ray.sh), CPU-only,
# 2 CPUs, brought up by `rayctl up` of a local launcher file on the serve test's ports and used
# for the whole scenario (tests/integration/serve/scenario.sh), then `rayctl down`. About 1.5-4
# min warm on 2 cores (mostly replica start-up), plus the Ray install when the cache is cold.
add_test(NAME serve_e2e_real_ray
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/serve/scenario.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(serve_e2e_real_ray PROPERTIES LABELS "integration;ray" RESOURCE_LOCK serve TIMEOUT 900)
# `serve --cluster NAME` through an SSH tunnel: head on the SSH rig (scripts/rig/rig.sh, needs
# root) with the dashboard on its loopback; status, deploy (package upload), config, delete.
# About 45 s warm; shares the rig with the SSH tests.
add_test(NAME serve_cluster_ssh_tunnel
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/serve/tunnel.sh $<TARGET_FILE:rayctl>)
set_tests_properties(serve_cluster_ssh_tunnel PROPERTIES LABELS "integration;ray" RESOURCE_LOCK ssh TIMEOUT 600)
