// Progress lines with rate and ETA for long steps, and a wall-clock timer.
// Thread-safe: tick() may be called from OpenMP threads. Prints at most every `interval`
// seconds (and once at the end) to the given stream; a null stream disables output.
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <ostream>
#include <string>

namespace soapgap {

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

class Progress {
 public:
  Progress(std::ostream* out, std::string label, long long total, std::string unit, double interval = 5.0);
  void tick(long long n = 1);
  // Prints the final line ("label: total unit in T s (rate unit/s)") and returns the elapsed time.
  double finish();

 private:
  void print(long long done, bool final_line);
  std::ostream* out_;
  std::string label_, unit_;
  long long total_;
  double interval_;
  std::atomic<long long> done_{0};
  double last_print_ = 0;
  std::mutex mutex_;
  Timer timer_;
};

// "12.3 s", "4 min 05 s", "1 h 02 min".
std::string format_duration(double seconds);
// "512 MiB", "1.5 GiB".
std::string format_bytes(double bytes);
// Current UTC time, ISO 8601 ("2026-11-25T13:57:40Z"), for provenance.
std::string utc_now();

}  // namespace soapgap
