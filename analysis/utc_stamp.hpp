// utc_stamp: a moment as text in UTC, for names that sort by time (results directories, offline
// output files) and mean the same on every machine and in every time zone.
#pragma once

#include <chrono>
#include <string>

namespace phantom {

/// `time` in UTC, formatted by std::strftime's `format` (e.g. "%Y%m%d-%H%M%S"); at most 63
/// characters. Thread-safe, unlike std::gmtime, whose one static buffer all threads share.
std::string utc_stamp(std::chrono::system_clock::time_point time, const char* format);

}  // namespace phantom
