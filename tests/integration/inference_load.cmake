# Loopback load test of `rayctl inference serve` on the real SmolLM2-135M Q4_1 GGUF
# (tests/integration/inference_load/): 200 concurrent streaming clients on 127.0.0.1, a third
# disconnecting mid-stream, bad requests during the load, then /metrics must show no leaked
# request, slot or KV block. Python stdlib client; bounded (max_tokens 8-16, an 840 s deadline
# inside the script). 5.5 minutes measured on 2 cores under a load average of 10-15 at nice 19,
# plus the model download when cold.
add_test(NAME inference_loopback_load
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/inference_load/run.sh $<TARGET_FILE:rayctl> --deadline 840)
set_tests_properties(inference_loopback_load PROPERTIES LABELS integration RESOURCE_LOCK inference TIMEOUT 1000
                                                      SKIP_RETURN_CODE 77)
