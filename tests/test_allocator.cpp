// The pulab command's allocator settings (framework/src/cli/allocator.hpp): after configure_allocator,
// a freed 16 MiB buffer stays in the heap (no mmap), so the next batch's buffer needs no page faults.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "cli/allocator.hpp"

#if defined(__GLIBC__)
#include <malloc.h>

namespace {

struct EnvGuard {
  explicit EnvGuard(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v, had_ = true;
  }
  ~EnvGuard() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// Blocks glibc currently holds with mmap.
std::size_t mapped_blocks() { return mallinfo2().hblks; }

TEST(Allocator, KeepsBatchSizedBuffersInTheHeap) {
  EnvGuard tuning("PULAB_MALLOC_TUNING"), mmap("MALLOC_MMAP_THRESHOLD_"), trim("MALLOC_TRIM_THRESHOLD_");
  unsetenv("PULAB_MALLOC_TUNING");
  unsetenv("MALLOC_MMAP_THRESHOLD_");
  unsetenv("MALLOC_TRIM_THRESHOLD_");
  ASSERT_TRUE(pulab::configure_allocator());
  const std::size_t before = mapped_blocks();
  void* buffer = std::malloc(16u << 20);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(mapped_blocks(), before) << "a 16 MiB block was mapped: the mmap threshold is not set";
  std::free(buffer);

  // Above glibc's largest threshold (32 MiB) blocks are still mapped: the reason for a small eval batch.
  void* large = std::malloc(64u << 20);
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(mapped_blocks(), before + 1);
  std::free(large);
}

TEST(Allocator, TheUsersChoiceWins) {
  EnvGuard tuning("PULAB_MALLOC_TUNING"), mmap("MALLOC_MMAP_THRESHOLD_");
  setenv("PULAB_MALLOC_TUNING", "0", 1);
  EXPECT_FALSE(pulab::configure_allocator());
  unsetenv("PULAB_MALLOC_TUNING");
  setenv("MALLOC_MMAP_THRESHOLD_", "131072", 1);
  EXPECT_FALSE(pulab::configure_allocator());
}

}  // namespace
#endif
