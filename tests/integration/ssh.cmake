# SSH integration tests: a rig of network-namespace hosts running real sshd and real Ray
# (scripts/rig/rig.sh; needs root). CI path: head + 2 workers. Warm cost on 2 cores: e2e ~1 min
# (one Ray bring-up, through a bastion), faults ~1.5-2 min, access ~20 s (no Ray: names, bastion
# failure, ssh-agent, RSA keys, passphrase prompt and attach on a pty); up to 3x that under load.
add_test(NAME ssh_rig_e2e COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/e2e.sh $<TARGET_FILE:rayctl>)
add_test(NAME ssh_rig_faults COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/faults.sh $<TARGET_FILE:rayctl>)
add_test(NAME ssh_rig_access COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/access.sh $<TARGET_FILE:rayctl>)
# A node frozen (SIGSTOP) during exec --all is named dead within the keepalive window (~45 s, no Ray).
add_test(NAME ssh_rig_dead_node COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/dead_node.sh $<TARGET_FILE:rayctl>)
# ProxyCommand and ~/.ssh/config (#16; ~15 s, no Ray).
add_test(NAME ssh_rig_proxy COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/proxy.sh $<TARGET_FILE:rayctl>)
# The LLM worker through Ray Serve on the rig (#13): up, inference deploy, chat, scale, kill, undeploy, down.
add_test(NAME ssh_rig_llm_deploy COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/llm_deploy.sh $<TARGET_FILE:rayctl>)
# `rayctl doctor` (#15): one Ray bring-up, then each injected fault named by its layer and check
# ID (route, 5xx, import_path, GPU ask, dashboard, raylet, head's sshd), ~2 min warm.
add_test(NAME ssh_rig_doctor COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ssh/doctor.sh $<TARGET_FILE:rayctl>)
set_tests_properties(ssh_rig_e2e ssh_rig_faults ssh_rig_access ssh_rig_dead_node ssh_rig_proxy ssh_rig_llm_deploy ssh_rig_doctor PROPERTIES LABELS integration RESOURCE_LOCK ssh TIMEOUT 900)
set_tests_properties(ssh_rig_e2e ssh_rig_faults ssh_rig_llm_deploy ssh_rig_doctor PROPERTIES LABELS "integration;ray")  # they start Ray
