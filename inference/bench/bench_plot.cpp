// bench_svg: a small hand-written SVG line chart (no plotting library needed).
#include "inference/bench/bench_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

namespace rayctl::inference {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

// A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least v.
double nice_max(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

struct Series {
  std::string name, color;
  std::function<double(const BenchLevel&)> value;
};

// One panel at (x0, y0) of size w × h.
std::string panel(const std::vector<BenchLevel>& lv, double x0, double y0, double w, double h,
                  const std::string& ylabel, const std::vector<Series>& series) {
  std::string s;
  double ymax = 0;
  for (const auto& l : lv)
    for (const auto& se : series) ymax = std::max(ymax, se.value(l));
  ymax = nice_max(ymax);
  const double n = static_cast<double>(lv.size());
  auto px = [&](size_t i) { return x0 + (n <= 1 ? w / 2 : w * (static_cast<double>(i) + 0.5) / n); };
  auto py = [&](double v) { return y0 + h - h * v / ymax; };
  s += "<rect x='" + fmt("%.1f", x0) + "' y='" + fmt("%.1f", y0) + "' width='" + fmt("%.1f", w) + "' height='" +
       fmt("%.1f", h) + "' fill='none' stroke='#444'/>\n";
  for (int t = 0; t <= 5; ++t) {
    double v = ymax * t / 5, y = py(v);
    s += "<line x1='" + fmt("%.1f", x0) + "' x2='" + fmt("%.1f", x0 + w) + "' y1='" + fmt("%.1f", y) + "' y2='" +
         fmt("%.1f", y) + "' stroke='#ddd'/>\n";
    s += "<text x='" + fmt("%.1f", x0 - 6) + "' y='" + fmt("%.1f", y + 4) + "' text-anchor='end'>" + fmt("%g", v) +
         "</text>\n";
  }
  for (size_t i = 0; i < lv.size(); ++i)
    s += "<text x='" + fmt("%.1f", px(i)) + "' y='" + fmt("%.1f", y0 + h + 18) + "' text-anchor='middle'>" +
         std::to_string(lv[i].concurrency) + "</text>\n";
  s += "<text x='" + fmt("%.1f", x0 + w / 2) + "' y='" + fmt("%.1f", y0 + h + 38) +
       "' text-anchor='middle'>concurrent streams</text>\n";
  s += "<text x='" + fmt("%.1f", x0 - 48) + "' y='" + fmt("%.1f", y0 + h / 2) +
       "' text-anchor='middle' transform='rotate(-90 " + fmt("%.1f", x0 - 48) + " " + fmt("%.1f", y0 + h / 2) + ")'>" +
       xml_escape(ylabel) + "</text>\n";
  double ly = y0 + 16;
  for (const auto& se : series) {
    std::string pts;
    for (size_t i = 0; i < lv.size(); ++i) pts += fmt("%.1f", px(i)) + "," + fmt("%.1f", py(se.value(lv[i]))) + " ";
    s += "<polyline fill='none' stroke='" + se.color + "' stroke-width='2' points='" + pts + "'/>\n";
    for (size_t i = 0; i < lv.size(); ++i)
      s += "<circle cx='" + fmt("%.1f", px(i)) + "' cy='" + fmt("%.1f", py(se.value(lv[i]))) + "' r='3' fill='" +
           se.color + "'/>\n";
    s += "<text x='" + fmt("%.1f", x0 + 8) + "' y='" + fmt("%.1f", ly) + "' fill='" + se.color + "'>" +
         xml_escape(se.name) + "</text>\n";
    ly += 16;
  }
  return s;
}

}  // namespace

std::string bench_svg(const std::vector<BenchLevel>& levels, const std::string& title) {
  const double W = 960, H = 420;
  std::string s = "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" +
                  fmt("%.0f", W) + "' height='" + fmt("%.0f", H) + "' font-family='sans-serif' font-size='12'>\n";
  s += "<rect width='100%' height='100%' fill='white'/>\n";
  s += "<text x='" + fmt("%.0f", W / 2) + "' y='24' text-anchor='middle' font-size='16'>" + xml_escape(title) +
       "</text>\n";
  s += panel(levels, 80, 50, 360, 300, "output tokens/s (all streams)",
             {{"tokens/s", "#1f77b4", [](const BenchLevel& l) { return l.output_tokens_per_second; }}});
  s += panel(levels, 570, 50, 360, 300, "latency p50 (ms)",
             {{"time to first token", "#d62728", [](const BenchLevel& l) { return l.ttft.p50 * 1e3; }},
              {"inter-token latency", "#2ca02c", [](const BenchLevel& l) { return l.itl.p50 * 1e3; }}});
  s += "</svg>\n";
  return s;
}

}  // namespace rayctl::inference
