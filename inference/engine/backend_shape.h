// The BackendShape of a model file: what every backend reports from the same ModelFile.
#pragma once

#include "inference/engine/backend.h"
#include "inference/model/model_config.h"

namespace rayctl::inference {

BackendShape backend_shape_of(const ModelFile& model);

}  // namespace rayctl::inference
