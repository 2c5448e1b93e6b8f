// Durations as users type them on every verb's --timeout (and similar flags): "90s", "10m",
// "1h30m", "250ms", "1.5m", or plain seconds ("45"), as kubectl and the ray CLI accept them.
#pragma once

#include <chrono>
#include <string>

namespace rayctl {

// Parses a duration; throws Error(Usage) naming `flag` (e.g. "--timeout") with the accepted forms.
std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag = "--timeout");
// The short form users type: 90000 ms → "90s", 600000 → "10m", 1500 → "1.5s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace rayctl
