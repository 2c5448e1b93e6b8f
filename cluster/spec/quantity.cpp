// Kubernetes resource quantities ("500m", "4Gi", "1e3", "1.5") as plain numbers.
// Grammar from k8s.io/apimachinery/pkg/api/resource: <signedNumber><suffix>, where the suffix
// is a binary SI (Ki..Ei), decimal SI (n, u, m, "", k, M..E) or a decimal exponent (e3, E-2).
#include "cluster/spec/kuberay_manifest.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace rayctl {

static std::optional<double> suffix_factor(const std::string& s) {
  static const std::pair<const char*, double> kSuffixes[] = {{"Ki", 1024.0},
                                                             {"Mi", 1048576.0},
                                                             {"Gi", 1073741824.0},
                                                             {"Ti", 1099511627776.0},
                                                             {"Pi", 1125899906842624.0},
                                                             {"Ei", 1152921504606846976.0},
                                                             {"n", 1e-9},
                                                             {"u", 1e-6},
                                                             {"m", 1e-3},
                                                             {"", 1.0},
                                                             {"k", 1e3},
                                                             {"M", 1e6},
                                                             {"G", 1e9},
                                                             {"T", 1e12},
                                                             {"P", 1e15},
                                                             {"E", 1e18}};
  for (const auto& [name, factor] : kSuffixes)
    if (s == name) return factor;
  if (s.size() >= 2 && (s[0] == 'e' || s[0] == 'E')) {
    size_t i = 1;
    if (s[i] == '+' || s[i] == '-') ++i;
    if (i == s.size() || s.size() - i > 3) return std::nullopt;
    for (size_t k = i; k < s.size(); ++k)
      if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
    return std::pow(10.0, std::atoi(s.c_str() + 1));
  }
  return std::nullopt;
}

std::optional<double> parse_quantity(const std::string& q) {
  if (q.empty() || q.size() > 64) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (q[i] == '+' || q[i] == '-') negative = q[i++] == '-';
  size_t digits_start = i;
  bool seen_digit = false, seen_dot = false;
  for (; i < q.size(); ++i) {
    char c = q[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return std::nullopt;
  std::string number = q.substr(digits_start, i - digits_start);
  auto factor = suffix_factor(q.substr(i));
  if (!factor) return std::nullopt;
  double v = std::strtod(number.c_str(), nullptr) * *factor;
  if (!std::isfinite(v)) return std::nullopt;
  return negative ? -v : v;
}

}  // namespace rayctl
