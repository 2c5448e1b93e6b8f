# The official OpenAI Python client (pinned, PyPI) against `rayctl inference serve` on loopback
# with the real SmolLM2 GGUF: chat, completions, streaming, n, seed, logprobs, logit_bias,
# max_completion_tokens and the 400s for what the worker refuses (tests/integration/openai_client).
add_test(NAME inference_openai_client
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/openai_client/run.sh $<TARGET_FILE:rayctl>)
set_tests_properties(inference_openai_client PROPERTIES LABELS integration RESOURCE_LOCK inference TIMEOUT 600)
