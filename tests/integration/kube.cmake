# Kubernetes path against the real rig (kube-apiserver, etcd, scheduler, controller-manager,
# kwok, KubeRay operator built from Go modules by scripts/k8s/build.sh; cached in
# ~/.cache/rayctl/k8s), through the shared verbs (up/status/down/serve). Its last step runs a
# real Ray head on loopback (rayctl up, ports 6375/8275, Serve 8075, workers 24000-24199) that a
# RayService reaches Ready against. About 3 min warm. Skips (77) only when no Go toolchain exists.
add_test(NAME integration_kube_e2e
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/kube/kube_e2e_test.sh $<TARGET_FILE:rayctl> ${PROJECT_SOURCE_DIR})
set_tests_properties(integration_kube_e2e PROPERTIES LABELS "integration;ray" RESOURCE_LOCK kube TIMEOUT 3600
                     SKIP_RETURN_CODE 77)
