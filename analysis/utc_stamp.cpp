// utc_stamp: the calendar fields with the platform's reentrant gmtime.
#include "analysis/utc_stamp.hpp"

#include <ctime>

namespace phantom {

std::string utc_stamp(std::chrono::system_clock::time_point time, const char* format) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
#if defined(_WIN32)
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  char stamp[64];
  const std::size_t n = std::strftime(stamp, sizeof stamp, format, &tm);
  return std::string(stamp, n);
}

}  // namespace phantom
