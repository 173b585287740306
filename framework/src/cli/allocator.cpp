#include "cli/allocator.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pulab {

bool configure_allocator() {
#if defined(__GLIBC__)
  const auto set = [](const char* name) { return std::getenv(name) != nullptr; };
  if (const char* tuning = std::getenv("PULAB_MALLOC_TUNING"); tuning && std::strcmp(tuning, "0") == 0) return false;
  if (set("MALLOC_MMAP_THRESHOLD_") || set("MALLOC_TRIM_THRESHOLD_")) return false;
  // 32 MiB is glibc's largest mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX); larger
  // blocks (an evaluation batch of 10000 images through a convolution) are still mapped: keep
  // eval_batch_size near the training batch for convolutional models on a CPU.
  constexpr int kMmapThreshold = 32 << 20;
  // Trim the heap top only when 1 GiB is free there: a run's working set stays mapped.
  constexpr int kTrimThreshold = 1 << 30;
  return mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
#else
  return false;
#endif
}

}  // namespace pulab
