// Did-you-mean: Levenshtein distance with a length-scaled threshold.
#include "core/suggest.h"

#include <algorithm>
#include <cctype>

namespace rayctl {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                          std::tolower(static_cast<unsigned char>(b[j - 1]))
                                      ? 0
                                      : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Allow roughly one edit per three characters, at least one, at most four.
  size_t limit = std::clamp<size_t>(word.size() / 3, 1, 4);
  if (best_d <= limit) return best;
  // A key that is a prefix/suffix of a candidate ("min_worker" → "min_workers") is also close.
  for (const auto& c : candidates)
    if (word.size() >= 4 && (c.rfind(word, 0) == 0 || word.rfind(c, 0) == 0)) return c;
  return {};
}

}  // namespace rayctl
