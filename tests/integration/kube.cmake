# Kubernetes path against the real rig (kube-apiserver, etcd, scheduler, controller-manager,
# kwok, KubeRay operator built from Go modules by scripts/k8s/build.sh; cached in
# ~/.cache/rayctl/k8s), through the shared verbs (up/status/down/serve). Its last step runs a
# real Ray head on loopback (rayctl up, ports 6375/8275, Serve 8075, workers 24000-24199) that a
# RayService reaches Ready against. About 3 min warm. Skips (77) only when no Go toolchain exists.
add_test(NAME integration_kube_e2e
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/kube/kube_e2e_test.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(integration_kube_e2e PROPERTIES LABELS "integration;ray" RESOURCE_LOCK kube TIMEOUT 3600
                     SKIP_RETURN_CODE 77)

# `rayctl diff` on its own rig instance (RAYCTL_K8S_PORT_BASE 16700) with a real Ray head on
# loopback (6377/8277, Serve 8077, workers 24400-24599): a serveConfigV2 change reported in
# place, a worker image change as a new cluster with its capacity, replicas of an autoscaled
# group as ignored — each then applied and checked against what the operator does; a RayCluster
# (scale, template reaching only new pods), a Serve config and the head's launcher file. About 1 min warm.
add_test(NAME integration_kube_diff
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/kube/diff.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(integration_kube_diff PROPERTIES LABELS "integration;ray" RESOURCE_LOCK kube TIMEOUT 1800
                     SKIP_RETURN_CODE 77)

# `rayctl doctor` on the same rig (its own instance: state /tmp/rayctl-k8s-doctor, ports 16600+,
# a loopback Ray head on 6376/8276, Serve 8076, workers 24200-24399): the KubeRay operator
# stopped, worker pods Pending for GPUs, a head without a serve port, a bad import_path, mixed
# Ray versions — each the expected layer, check ID and evidence — and a healthy RayService in
# < 2 s. About 2 min warm.
add_test(NAME integration_kube_doctor
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/kube/doctor.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(integration_kube_doctor PROPERTIES LABELS "integration;ray" RESOURCE_LOCK kube TIMEOUT 3600
                     SKIP_RETURN_CODE 77)
