// Streams, colour, tables, machine formats and live progress.
#include "core/output.h"

#include "core/error.h"
#include "core/json_yaml.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace rayctl {

OutputFormat parse_output_format(const std::string& s) {
  if (s == "table" || s == "wide" || s.empty()) return OutputFormat::Table;
  if (s == "json") return OutputFormat::Json;
  if (s == "yaml") return OutputFormat::Yaml;
  throw Error(ErrorKind::Usage, fmt::format("unknown output format '{}'", s), "use -o table, -o json or -o yaml");
}

IOStreams IOStreams::system(bool no_color_flag) {
  IOStreams io;
  io.out_tty = isatty(STDOUT_FILENO) == 1;
  io.err_tty = isatty(STDERR_FILENO) == 1;
  io.in_tty = isatty(STDIN_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  bool dumb = term && std::strcmp(term, "dumb") == 0;
  io.color = !no_color_flag && !(no_color && *no_color) && !dumb && (io.out_tty || io.err_tty);
  static std::mutex global_lock;
  io.lock = &global_lock;
  return io;
}

IOStreams IOStreams::capture(std::ostream& out, std::ostream& err) {
  IOStreams io;
  io.out = &out;
  io.err = &err;
  static std::mutex capture_lock;
  io.lock = &capture_lock;
  return io;
}

static std::string paint(bool on, const char* code, const std::string& s) {
  return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
}
std::string Style::bold(const std::string& s) const { return paint(on, "1", s); }
std::string Style::dim(const std::string& s) const { return paint(on, "2", s); }
std::string Style::red(const std::string& s) const { return paint(on, "31", s); }
std::string Style::green(const std::string& s) const { return paint(on, "32", s); }
std::string Style::yellow(const std::string& s) const { return paint(on, "33", s); }
std::string Style::cyan(const std::string& s) const { return paint(on, "36", s); }

size_t display_width(const std::string& s) {
  size_t w = 0;
  bool in_escape = false;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (in_escape) {  // skip ANSI CSI sequences so coloured cells still align
      if (c >= 0x40 && c <= 0x7e && c != '[') in_escape = false;
      ++i;
      continue;
    }
    if (c == 0x1b) {
      in_escape = true;
      ++i;
      continue;
    }
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0f;
      len = 3;
    } else if ((c >> 3) == 30) {
      cp = c & 0x07;
      len = 4;
    } else {
      ++i;
      ++w;
      continue;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    if ((cp >= 0x0300 && cp <= 0x036f) || cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;  // combining
    bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
                (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& os) const {
  std::vector<size_t> width(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    width[c] = display_width(headers_[c]);
    for (const auto& r : rows_) width[c] = std::max(width[c], display_width(r[c]));
  }
  auto line = [&](const std::vector<std::string>& cells, bool upper) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string cell = cells[c];
      if (upper) std::transform(cell.begin(), cell.end(), cell.begin(), ::toupper);
      out += cell;
      if (c + 1 < cells.size()) out += std::string(width[c] - display_width(cell) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    os << out << '\n';
  };
  line(headers_, true);
  for (const auto& r : rows_) line(r, false);
}

void print_data(std::ostream& os, OutputFormat f, const nlohmann::json& data) {
  if (f == OutputFormat::Yaml)
    os << to_yaml_text(data);
  else
    os << data.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

static void say(const IOStreams& io, const std::string& line) {
  if (io.lock) {
    std::lock_guard<std::mutex> g(*io.lock);
    *io.err << line << '\n' << std::flush;
  } else {
    *io.err << line << '\n' << std::flush;
  }
}

void say_info(const IOStreams& io, const std::string& line) {
  if (io.verbosity >= 0) say(io, line);
}
void say_debug(const IOStreams& io, const std::string& line) {
  if (io.verbosity > 0) say(io, Style{io.color}.dim(line));
}
void say_warning(const IOStreams& io, const std::string& line) { say(io, Style{io.color}.yellow("warning: ") + line); }

ProgressBoard::ProgressBoard(IOStreams& io) : io_(io), live_(io.err_tty && io.verbosity >= 0) {}

ProgressBoard::~ProgressBoard() { finish(); }

void ProgressBoard::set(const std::string& item, const std::string& status) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = std::find_if(items_.begin(), items_.end(), [&](const auto& p) { return p.first == item; });
  bool changed = true;
  if (it == items_.end()) {
    items_.emplace_back(item, status);
  } else {
    changed = it->second != status;
    it->second = status;
  }
  if (finished_ || io_.verbosity < 0) return;
  if (live_) {
    redraw_locked();
  } else if (changed) {
    *io_.err << item << ": " << status << '\n' << std::flush;
  }
}

void ProgressBoard::log(const std::string& line) {
  std::lock_guard<std::mutex> g(mu_);
  if (io_.verbosity < 0) return;
  if (live_ && drawn_ > 0) {
    *io_.err << fmt::format("\x1b[{}F\x1b[J", drawn_);  // move up over the board and clear it
    drawn_ = 0;
  }
  *io_.err << line << '\n';
  if (live_ && !finished_) redraw_locked();
  io_.err->flush();
}

void ProgressBoard::redraw_locked() {
  if (drawn_ > 0) *io_.err << fmt::format("\x1b[{}F\x1b[J", drawn_);
  size_t w = 0;
  for (const auto& [k, v] : items_) w = std::max(w, display_width(k));
  Style st{io_.color};
  for (const auto& [k, v] : items_) *io_.err << st.bold(k) << std::string(w - display_width(k) + 2, ' ') << v << '\n';
  drawn_ = items_.size();
  io_.err->flush();
}

void ProgressBoard::finish() {
  std::lock_guard<std::mutex> g(mu_);
  finished_ = true;
  drawn_ = 0;  // leave the last drawing on screen
}

}  // namespace rayctl
