#pragma once
// The process's memory allocator settings, made once at start-up by the pulab command.

namespace pulab {

// Fixes glibc malloc's thresholds so that freed tensor buffers up to 32 MiB stay in the heap and
// are reused, instead of going back to the kernel and being page-faulted in again on the next
// batch. glibc's default returns blocks above an adaptive threshold (128 KiB at start) with munmap
// and trims the heap top after every large free: a convolutional network's per-batch activations
// (LeNet at batch 256: 6 MiB each) are then page-faulted in again at every step, depending on
// which sizes the process happened to free first: on this project's virtual machines a LeNet
// training epoch took 14.7 s instead of 5.0 s (bench `conv`; 22-24 s in a run's first epoch;
// docs/performance.md).
// Numbers are unchanged: only where buffers live changes. Skipped when PULAB_MALLOC_TUNING=0 or
// when the user set MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ (their choice wins); a no-op
// where the C library is not glibc. Returns whether the thresholds were set.
bool configure_allocator();

}  // namespace pulab
