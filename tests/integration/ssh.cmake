# SSH integration tests: a rig of network-namespace hosts running real sshd and real Ray
# (scripts/rig/rig.sh; needs root). CI path: head + 2 workers. Warm cost: e2e ~2-3 min,
# faults ~3-4 min on 2 cores (three `ray start`s each, plus the Ray venv when cold).
add_test(NAME ssh_rig_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/e2e.sh $<TARGET_FILE:rayctl>)
add_test(NAME ssh_rig_faults COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/faults.sh $<TARGET_FILE:rayctl>)
add_test(NAME ssh_rig_access COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/access.sh $<TARGET_FILE:rayctl>)
set_tests_properties(ssh_rig_e2e ssh_rig_faults ssh_rig_access PROPERTIES LABELS integration RESOURCE_LOCK ssh TIMEOUT 900)
