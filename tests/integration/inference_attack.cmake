# Attack suite against `rayctl inference serve` on the real SmolLM2-135M Q4_1 GGUF, started under
# `ulimit -n 256` (tests/integration/inference_attack/, issue #12): a pipelining flood in one
# write, a chat body nested 200k deep, 300 slow clients, request-smuggling forms; /health must
# answer within 1 s during and after each, and a chat request complete after each. Python
# stdlib client, 127.0.0.1 only; about 5 s on 2 cores once the model is cached, 300 s deadline.
add_test(NAME inference_attack
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/inference_attack/run.sh $<TARGET_FILE:rayctl> --deadline 300)
set_tests_properties(inference_attack PROPERTIES LABELS integration RESOURCE_LOCK inference TIMEOUT 400
                                                 SKIP_RETURN_CODE 77)
