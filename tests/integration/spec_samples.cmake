# Ray's and KubeRay's own files through `rayctl validate` (issue #16):
# - serve_build_validates: `serve build` of the installed Ray on the sample apps, validated with
#   zero diagnostics (tests/integration/serve_build/). About 15 s warm; skips (77) without Ray.
# - kuberay_samples_validate: the KubeRay operator's config/samples from the Go module cache,
#   after scripts/k8s/build.sh has filled it (cached; minutes only when cold), through
#   tests/serve/config/kuberay_samples_test.cpp, which must not skip here. Skips (77) without Go.
add_test(NAME serve_build_validates
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/serve_build/serve_build_test.sh $<TARGET_FILE:rayctl>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(serve_build_validates PROPERTIES LABELS "integration;ray" TIMEOUT 600 SKIP_RETURN_CODE 77)
add_test(NAME kuberay_samples_validate
         COMMAND bash -c "command -v go >/dev/null || { echo 'skip: no Go toolchain'; exit 77; }; \
bash '${PROJECT_SOURCE_DIR}/scripts/k8s/build.sh' >/dev/null && \
RAYCTL_KUBERAY_SAMPLES_REQUIRED=1 '$<TARGET_FILE:test_serve>' --gtest_filter='KubeRaySamples.*'")
set_tests_properties(kuberay_samples_validate PROPERTIES LABELS integration RESOURCE_LOCK kube TIMEOUT 3600
                     SKIP_RETURN_CODE 77)
# - goyaml_typing: the YAML typing corpus (tests/core/yaml_typing_pyyaml.py) through goyaml v2,
#   the reader of sigs.k8s.io/yaml, built offline from the Go module cache (scripts/k8s/build.sh
#   puts go.yaml.in/yaml/v2 there) and compared with rayctl's GoYamlV2 typing. Skips (77) without Go.
add_test(NAME goyaml_typing
         COMMAND bash -c "command -v go >/dev/null || { echo 'skip: no Go toolchain'; exit 77; }; \
bash '${PROJECT_SOURCE_DIR}/scripts/k8s/build.sh' >/dev/null || exit 1; \
d=$(mktemp -d) && trap 'rm -rf $d' EXIT && cp '${CMAKE_CURRENT_SOURCE_DIR}'/core/yaml_typing_goyaml/* $d/ && \
(cd $d && GOPROXY=off GOFLAGS=-mod=mod GOSUMDB=off GOTOOLCHAIN=local go build -o check .) && \
RAYCTL_GOYAML_CHECK=$d/check '$<TARGET_FILE:test_core>' --gtest_filter='GoYamlTyping.*'")
set_tests_properties(goyaml_typing PROPERTIES LABELS integration RESOURCE_LOCK kube TIMEOUT 3600
                     SKIP_RETURN_CODE 77)
