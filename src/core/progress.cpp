#include "core/progress.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace soapgap {

std::string format_duration(double s) {
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s / 60), static_cast<int>(std::fmod(s, 60)));
  else
    std::snprintf(buf, sizeof buf, "%d h %02d min", static_cast<int>(s / 3600),
                  static_cast<int>(std::fmod(s, 3600) / 60));
  return buf;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

Progress::Progress(std::ostream* out, std::string label, long long total, std::string unit, double interval)
    : out_(out), label_(std::move(label)), unit_(std::move(unit)), total_(total), interval_(interval) {}

void Progress::tick(long long n) {
  long long done = done_.fetch_add(n) + n;
  if (!out_) return;
  double t = timer_.seconds();
  if (t - last_print_ < interval_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (t - last_print_ < interval_) return;
  last_print_ = t;
  print(done, false);
}

void Progress::print(long long done, bool final_line) {
  const double t = timer_.seconds();
  const double rate = t > 0 ? done / t : 0.0;
  char buf[256];
  if (final_line) {
    std::snprintf(buf, sizeof buf, "%s: %lld %s in %s (%.3g %s/s)", label_.c_str(), done, unit_.c_str(),
                  format_duration(t).c_str(), rate, unit_.c_str());
  } else {
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    std::snprintf(buf, sizeof buf, "%s: %lld/%lld %s (%.0f%%), %.3g %s/s, ETA %s", label_.c_str(), done, total_,
                  unit_.c_str(), total_ > 0 ? 100.0 * done / total_ : 100.0, rate, unit_.c_str(),
                  format_duration(eta).c_str());
  }
  *out_ << buf << std::endl;
}

double Progress::finish() {
  if (out_) {
    std::lock_guard<std::mutex> lock(mutex_);
    print(done_.load(), true);
  }
  return timer_.seconds();
}

}  // namespace soapgap
