#pragma once
// Mixed precision for the training step: while an AutocastScope is alive with `enabled`, LibTorch's
// autocast runs the matrix products of the forward passes (the risk's and the gradient penalty's)
// in bfloat16 and keeps the parameters, the optimizer state and the backward accumulation in
// float32. Backward runs after the scope ends, as autocast requires. On this machine's CPUs
// (AVX-512 BF16) a bfloat16 GEMM is ~3.7x faster than float32; docs/performance.md shows what it
// does to time and accuracy. Opt-in: train.precision = "bfloat16".
#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>

namespace pulab {

class AutocastScope {
 public:
  AutocastScope(bool enabled, c10::DeviceType device) : enabled_(enabled), cuda_(device == c10::DeviceType::CUDA) {
    if (!enabled_) return;
    if (cuda_) {
      previous_ = at::autocast::is_enabled();
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(true);
    } else {
      previous_ = at::autocast::is_cpu_enabled();
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!enabled_) return;
    // Leaving the outermost scope drops the cached bfloat16 copies of the weights, which the
    // optimizer step is about to change.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (cuda_) {
      at::autocast::set_enabled(previous_);
    } else {
      at::autocast::set_cpu_enabled(previous_);
    }
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_, cuda_, previous_ = false;
};

}  // namespace pulab
