// The progress bar: when to draw, and the text of its lines.
#include "analysis/progress_bar.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // isatty, fileno
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

bool is_terminal(const std::ostream& out) {
#ifdef PHANTOM_HAVE_ISATTY
  if (&out == &std::cout) return ::isatty(::fileno(stdout)) != 0;
  if (&out == &std::cerr || &out == &std::clog) return ::isatty(::fileno(stderr)) != 0;
#else
  (void)out;
#endif
  return false;
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
    std::string line = terminal_line(t);
    const std::size_t width = line.size();
    if (width < last_width_) line.append(last_width_ - width, ' ');
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

std::string ProgressBar::terminal_line(double t) const {
  std::string line = label_;
  if (total_ > 0) {
    const double fraction = std::clamp(static_cast<double>(done_) / total_, 0.0, 1.0);
    const int width = std::max(options_.bar_width, 0);
    const int filled = static_cast<int>(fraction * width);
    line += " [";
    line.append(filled, '#');
    line.append(width - filled, '.');
    line += "]  " + std::to_string(done_) + "/" + std::to_string(total_) + "  " +
            std::to_string(static_cast<int>(fraction * 100.0)) + "%";
  } else {
    line += "  " + std::to_string(done_);
  }
  line += "  " + format_rate(rate(t), options_.unit);
  if (total_ > 0) line += "  ETA " + eta(t);
  if (!extra_.empty()) line += "  " + extra_;
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
