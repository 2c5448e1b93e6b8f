// backend_shape_of: see backend_shape.h.
#include "inference/engine/backend_shape.h"

namespace rayctl::inference {

BackendShape backend_shape_of(const ModelFile& model) {
  const ModelConfig& cfg = model.config();
  BackendShape s;
  s.vocab_size = cfg.n_vocab;
  s.n_layers = cfg.n_layer;
  s.n_kv_heads = cfg.n_head_kv;
  s.head_dim = cfg.head_dim;
  s.context_length = cfg.n_ctx_train;
  s.n_params = static_cast<int64_t>(model.n_params());
  s.weight_bytes = static_cast<int64_t>(model.weight_bytes());
  return s;
}

}  // namespace rayctl::inference
