// bench_svg: draws `rayctl inference bench` results as a self-contained SVG document with two
// panels side by side: aggregate output tokens/s, and TTFT / inter-token latency p50 in ms,
// each against the concurrency levels (evenly spaced, labelled).
#pragma once

#include "inference/bench/bench_client.h"

#include <string>
#include <vector>

namespace rayctl::inference {

std::string bench_svg(const std::vector<BenchLevel>& levels, const std::string& title);

}  // namespace rayctl::inference
