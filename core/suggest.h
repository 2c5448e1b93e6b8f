// Did-you-mean suggestions for unknown keys, flags and names.
#pragma once

#include <string>
#include <vector>

namespace rayctl {

size_t edit_distance(const std::string& a, const std::string& b);
// The closest candidate within a distance that scales with length, or "" if none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rayctl
