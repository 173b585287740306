#pragma once
// Mixed precision for the training step: while an AutocastScope is alive with `enabled`, LibTorch's
// autocast runs the matrix products of the forward passes (the risk's and the gradient penalty's)
// in bfloat16 and keeps the parameters, the optimizer state and the backward accumulation in
// float32. Backward runs after the scope ends, as autocast requires. On this machine's CPUs
// (AVX-512 BF16) a bfloat16 GEMM is ~3.7x faster than float32; docs/performance.md shows what it
// does to time and accuracy. Opt-in: train.precision = "bfloat16".
#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <torch/version.h>

// LibTorch 2.4 replaced the per-device autocast functions (is_cpu_enabled, set_autocast_gpu_dtype,
// ...) with ones that take the device type; the old ones warn at every call there and are due for
// removal. Both spellings below do the same thing.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define PULAB_AUTOCAST_BY_DEVICE_TYPE 1
#endif

namespace pulab {

class AutocastScope {
 public:
  AutocastScope(bool enabled, c10::DeviceType device) : enabled_(enabled), cuda_(device == c10::DeviceType::CUDA) {
    if (!enabled_) return;
    previous_ = is_on();
    set_bfloat16();
    set_on(true);
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!enabled_) return;
    // Leaving the outermost scope drops the cached bfloat16 copies of the weights, which the
    // optimizer step is about to change.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    set_on(previous_);
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
#ifdef PULAB_AUTOCAST_BY_DEVICE_TYPE
  c10::DeviceType type() const { return cuda_ ? c10::DeviceType::CUDA : c10::DeviceType::CPU; }
  bool is_on() const { return at::autocast::is_autocast_enabled(type()); }
  void set_on(bool on) const { at::autocast::set_autocast_enabled(type(), on); }
  void set_bfloat16() const { at::autocast::set_autocast_dtype(type(), at::kBFloat16); }
#else
  bool is_on() const { return cuda_ ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
  void set_on(bool on) const { cuda_ ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on); }
  void set_bfloat16() const {
    cuda_ ? at::autocast::set_autocast_gpu_dtype(at::kBFloat16) : at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
#endif

  bool enabled_, cuda_, previous_ = false;
};

}  // namespace pulab
