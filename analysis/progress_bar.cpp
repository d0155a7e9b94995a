// The progress bar: when to draw, and the text of its lines.
#include "analysis/progress_bar.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <utility>

#include "nn/parse_number.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/ioctl.h>  // ioctl, TIOCGWINSZ
#include <unistd.h>     // isatty, fileno
#define PHANTOM_HAVE_ISATTY 1
#endif

namespace phantom {

namespace {

double steady_seconds() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "%.1f" below 99.95 (so the rounded text keeps three digits at most), "%.0f" above.
std::string three_digits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 99.95 ? "%.1f" : "%.0f", v);
  return buf;
}

}  // namespace

std::string format_rate(double per_second, std::string_view unit) {
  const std::string u(unit);
  if (!(per_second > 0.0) || !std::isfinite(per_second)) return "? " + u + "/s";
  if (per_second < 1.0) return three_digits(1.0 / per_second) + " s/" + u;
  static constexpr const char* kPrefixes[] = {"", "k", "M", "G", "T", "P"};
  std::size_t prefix = 0;
  double v = per_second;
  // 999.5 would print as "1000": move to the next prefix before that happens.
  while (v >= 999.5 && prefix + 1 < std::size(kPrefixes)) {
    v /= 1000.0;
    ++prefix;
  }
  return three_digits(v) + kPrefixes[prefix] + " " + u + "/s";
}

std::string format_duration(double seconds) {
  constexpr double kLongest = 1e8;  // ~3 years: anything longer is a meaningless estimate
  if (!std::isfinite(seconds) || seconds < 0.0 || seconds > kLongest) return "?";
  const long long total = std::llround(seconds);
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

std::string progress_field(std::string_view name, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return std::string(name) + "=" + buf;
}

namespace {

// The file descriptor behind a standard stream, or -1 for any other stream.
int standard_fd(const std::ostream& out) {
#ifdef PHANTOM_HAVE_ISATTY
  if (&out == &std::cout) return ::fileno(stdout);
  if (&out == &std::cerr || &out == &std::clog) return ::fileno(stderr);
#else
  (void)out;
#endif
  return -1;
}

}  // namespace

bool is_terminal(const std::ostream& out) {
#ifdef PHANTOM_HAVE_ISATTY
  const int fd = standard_fd(out);
  return fd >= 0 && ::isatty(fd) != 0;
#else
  (void)out;
  return false;
#endif
}

int terminal_columns(const std::ostream& out) {
#if defined(PHANTOM_HAVE_ISATTY) && defined(TIOCGWINSZ)
  const int fd = standard_fd(out);
  struct winsize size {};
  if (fd >= 0 && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
#else
  (void)out;
#endif
  if (const char* columns = std::getenv("COLUMNS")) {
    if (std::optional<int64_t> n = parse_integer(columns, 1, 100000)) return static_cast<int>(*n);
  }
  return 80;
}

ProgressBar::ProgressBar(int64_t total, std::string label, std::ostream& out,
                         ProgressOptions options)
    : total_(std::max<int64_t>(total, 0)),
      label_(std::move(label)),
      out_(out),
      options_(std::move(options)),
      on_terminal_(options_.style == ProgressOptions::Style::kAuto
                       ? is_terminal(out)
                       : options_.style == ProgressOptions::Style::kTerminal),
      start_(now()),
      done_(options_.initial) {}

ProgressBar::~ProgressBar() {
  try {
    finish();
  } catch (...) {  // a destructor must not throw; a lost progress line is harmless
  }
}

double ProgressBar::now() const {
  return options_.clock ? options_.clock() : steady_seconds();
}

void ProgressBar::update(int64_t done, std::string_view extra) {
  if (finished_) return;
  done_ = done;
  extra_.assign(extra);
  if (total_ > 0 && done_ >= total_) {
    finish();
    return;
  }
  const double t = now();
  const double interval =
      on_terminal_ ? options_.redraw_interval_seconds : options_.plain_interval_seconds;
  if (!drawn_ || t - last_draw_ >= interval) draw(t, false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(now(), true);
}

void ProgressBar::draw(double t, bool final) {
  if (on_terminal_) {
    const int columns = options_.columns > 0 ? options_.columns : terminal_columns(out_);
    const std::size_t limit = static_cast<std::size_t>(std::max(columns - 1, 0));
    std::string line = terminal_line(t, columns);
    const std::size_t width = line.size();
    // Blank out what a longer previous line left behind, within the width.
    const std::size_t cover = std::min(last_width_, limit);
    if (width < cover) line.append(cover - width, ' ');
    last_width_ = width;
    out_ << '\r' << line;
    if (final) out_ << '\n';
  } else {
    out_ << plain_line(t) << '\n';
  }
  out_.flush();
  drawn_ = true;
  last_draw_ = t;
}

double ProgressBar::rate(double t) const {
  const double elapsed = t - start_;
  const int64_t new_work = done_ - options_.initial;
  return elapsed > 0.0 && new_work > 0 ? static_cast<double>(new_work) / elapsed : 0.0;
}

std::string ProgressBar::eta(double t) const {
  const int64_t remaining = total_ - done_;
  if (remaining <= 0) return format_duration(0.0);
  const double r = rate(t);
  return r > 0.0 ? format_duration(static_cast<double>(remaining) / r) : "?";
}

std::string ProgressBar::terminal_line(double t, int columns) const {
  // The pieces after the label and bar, in line order. When the line is too wide, the bar goes
  // first (shorter, then none: the count and percentage say the same), then the extra fields,
  // the rate and the ETA; whatever is still too wide is cut.
  const std::size_t limit = static_cast<std::size_t>(std::max(columns - 1, 0));
  const bool known = total_ > 0;
  const double fraction =
      known ? std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0) : 0.0;
  std::string count = "  " + std::to_string(done_);
  if (known) {
    count += "/" + std::to_string(total_) + "  " +
             std::to_string(static_cast<int>(fraction * 100.0)) + "%";
  }
  std::string rate_part = "  " + format_rate(rate(t), options_.unit);
  std::string eta_part = known ? "  ETA " + eta(t) : "";
  std::string extra_part = extra_.empty() ? "" : "  " + extra_;
  auto rest = [&] { return count + rate_part + eta_part + extra_part; };

  constexpr int kShortestBar = 5;
  const std::size_t fixed = label_.size() + rest().size() + 3;  // 3: " [" and "]"
  int bar = 0;
  if (known && options_.bar_width > 0 && fixed < limit) {
    bar = static_cast<int>(
        std::min<std::size_t>(static_cast<std::size_t>(options_.bar_width), limit - fixed));
    if (bar < std::min(kShortestBar, options_.bar_width)) bar = 0;
  }
  std::string line = label_;
  if (bar > 0) {
    const int filled = static_cast<int>(fraction * bar);
    line += " [";
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(bar - filled), '.');
    line += "]";
  } else {
    for (std::string* piece : {&extra_part, &rate_part, &eta_part}) {
      if (line.size() + rest().size() <= limit) break;
      piece->clear();
    }
  }
  line += rest();
  if (line.size() > limit) {
    std::size_t cut = limit;
    // Never in the middle of a UTF-8 character (a label may hold some).
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line.resize(cut);
  }
  return line;
}

std::string ProgressBar::plain_line(double t) const {
  std::string line = label_ + " " + std::to_string(done_);
  if (total_ > 0) {
    const double fraction = std::clamp(static_cast<double>(done_) / total_, 0.0, 1.0);
    line += "/" + std::to_string(total_) + " (" +
            std::to_string(static_cast<int>(fraction * 100.0)) + "%)";
  }
  line += "  " + format_rate(rate(t), options_.unit) + "  elapsed " + format_duration(t - start_);
  if (total_ > 0) line += "  ETA " + eta(t);
  if (!extra_.empty()) line += "  " + extra_;
  return line;
}

}  // namespace phantom
