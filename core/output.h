// Output plumbing every command uses: where text goes (IOStreams, with TTY and colour
// decided once), the -o format, human tables, and progress lines that are live on a TTY and
// plain otherwise. Commands print data through these, never with raw std::cout.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace rayctl {

enum class OutputFormat { Table, Json, Yaml };
// Parses "table" | "json" | "yaml" (also "wide" → Table); throws Error(Usage) otherwise.
OutputFormat parse_output_format(const std::string& s);

// The process's streams and what they are connected to. Tests build one over stringstreams.
struct IOStreams {
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
  std::istream* in = &std::cin;
  bool out_tty = false;
  bool err_tty = false;
  bool in_tty = false;
  bool color = false;          // on only when err/out is a TTY, NO_COLOR is unset and --no-color absent
  int verbosity = 0;           // -v count; -1 with -q
  std::mutex* lock = nullptr;  // serialises lines from worker threads when set

  static IOStreams system(bool no_color_flag);                     // real stdio, with isatty + NO_COLOR + TERM=dumb
  static IOStreams capture(std::ostream& out, std::ostream& err);  // for tests: no TTY, no colour
};

// Asks the user a yes/no question (true = yes). Libraries take one instead of reading stdin;
// cli/ makes it, and only when both stdin and stderr are a terminal.
using Confirmer = std::function<bool(const std::string& question)>;

// ANSI styling that collapses to plain text when colour is off.
struct Style {
  bool on = false;
  std::string bold(const std::string& s) const;
  std::string dim(const std::string& s) const;
  std::string red(const std::string& s) const;
  std::string green(const std::string& s) const;
  std::string yellow(const std::string& s) const;
  std::string cyan(const std::string& s) const;
};

// A human table: upper-case headers, columns padded to the widest cell (UTF-8 aware).
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& os) const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Prints structured data in the chosen machine format (Json: pretty, 2 spaces; Yaml: block).
void print_data(std::ostream& os, OutputFormat f, const nlohmann::json& data);

// Messages on stderr that respect -q/-v and colour: info (hidden by -q), debug (needs -v).
void say_info(const IOStreams& io, const std::string& line);
void say_debug(const IOStreams& io, const std::string& line);
void say_warning(const IOStreams& io, const std::string& line);

// Progress: on a TTY, rewrites a block of status lines in place (one per item, e.g. per node);
// otherwise prints a plain line only when an item's status changes. Thread-safe.
class ProgressBoard {
 public:
  explicit ProgressBoard(IOStreams& io);
  ~ProgressBoard();
  void set(const std::string& item, const std::string& status);  // add or update an item
  void log(const std::string& line);  // a line printed above the board (e.g. streamed output)
  void finish();                      // leaves the final state on screen

 private:
  void redraw_locked();
  IOStreams& io_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> items_;
  size_t drawn_ = 0;
  bool live_ = false;
  bool finished_ = false;
};

// Display width of a UTF-8 string (code points; wide East Asian forms count 2).
size_t display_width(const std::string& s);

}  // namespace rayctl
