// Parsing and printing of durations (see duration.h).
#include "core/duration.h"

#include "core/error.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace rayctl {

namespace {

double unit_ms(const std::string& unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  return -1;
}

[[noreturn]] void malformed(const std::string& text, const std::string& flag, const std::string& why) {
  throw Error(ErrorKind::Usage, fmt::format("{} '{}' is not a duration: {}", flag, text, why),
              "use e.g. 90 (seconds), 90s, 10m, 1h30m or 500ms");
}

}  // namespace

std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag) {
  if (text.empty()) malformed(text, flag, "it is empty");
  double total = 0;
  size_t i = 0;
  bool plain = text.find_first_not_of("0123456789.") == std::string::npos;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
    if (j == i) malformed(text, flag, "a number must come before each unit");
    std::string number = text.substr(i, j - i);
    double value = 0;
    size_t used = 0;
    try {
      value = std::stod(number, &used);
    } catch (const std::exception&) {
    }
    if (used != number.size()) malformed(text, flag, "'" + number + "' is not a number");
    std::string unit;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) unit += text[j++];
    if (unit.empty() && !plain) malformed(text, flag, "a number without a unit");
    double mult = unit.empty() ? 1000 : unit_ms(unit);
    if (mult < 0) malformed(text, flag, "unknown unit '" + unit + "' (ms, s, m or h)");
    total += value * mult;
    i = j;
  }
  if (!std::isfinite(total) || total > 1e15) malformed(text, flag, "too long");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(total)));
}

std::string format_duration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms % 3'600'000 == 0 && ms >= 3'600'000) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0 && ms >= 60'000) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  if (ms < 1000) return fmt::format("{}ms", ms);
  return fmt::format("{:g}s", static_cast<double>(ms) / 1000);
}

}  // namespace rayctl
