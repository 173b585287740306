// The baseline of the framework-overhead benchmark: GradPU training written by hand in one file,
// with no plugin, registry, configuration or result file in sight. It does the same math, in the
// same order, as pulab's engine with the naive risk (absolute loss), the gradient penalty
// ("between", alpha) and the positive upweighting (beta ramped to beta_max), Adam with coupled
// weight decay and a linear learning-rate decay to 0.1x:
//   per epoch: shuffle P u U; per batch of `batch` indices: gather x_p and x_u, one forward pass,
//   w_p = 1 - beta log sigmoid(2 g_p), risk = mean(w_p |1 - tanh g_p|) + mean(|-1 - tanh g_u|),
//   x~ = lambda x_p' + (1 - lambda) x_u' with the smaller side resampled to max(n_p, n_u),
//   penalty = alpha mean ||d g(x~) / d x~||^2 (double backward), one Adam step.
// The data are random (timing does not depend on their values): n_p positives, then n - n_p
// unlabeled rows, one contiguous [n, dim] tensor as in the engine.
// Prints one JSON line: the training seconds of each epoch (no evaluation), the mean objective.
// --device cuda puts the data, the model and every step on the GPU (the per-step .item() waits for
// the GPU each step, as pulab's engine does); TF32 comes from LibTorch's own switch,
// TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 in the environment, the same for all three contenders.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/autocast_mode.h>
#include <boost/program_options.hpp>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

// LibTorch 2.4 replaced the per-device autocast functions with ones taking the device type (the old
// ones warn at every call there); the same change as framework/src/engine/autocast_scope.hpp.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define PULAB_AUTOCAST_DTYPE(cuda, d) at::autocast::set_autocast_dtype((cuda) ? at::kCUDA : at::kCPU, d)
#define PULAB_AUTOCAST_ENABLE(cuda, on) at::autocast::set_autocast_enabled((cuda) ? at::kCUDA : at::kCPU, on)
#else
#define PULAB_AUTOCAST_DTYPE(cuda, d) \
  ((cuda) ? at::autocast::set_autocast_gpu_dtype(d) : at::autocast::set_autocast_cpu_dtype(d))
#define PULAB_AUTOCAST_ENABLE(cuda, on) ((cuda) ? at::autocast::set_enabled(on) : at::autocast::set_cpu_enabled(on))
#endif

namespace {

// --optimized: a ReLU whose backward reads a detached copy of its output, so that the double
// backward sends nothing back into the forward graph (pulab/relu.hpp explains).
struct FirstOrderRelu : torch::autograd::Function<FirstOrderRelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h) {
    auto out = torch::relu(h);
    ctx->save_for_backward({out});
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    return {torch::threshold_backward(grad[0], ctx->get_saved_variables()[0].detach(), 0)};
  }
};

struct Mlp : torch::nn::Module {
  Mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, bool first_order_relu)
      : first_order_relu(first_order_relu) {
    for (std::size_t i = 0; i < hidden.size(); ++i) {
      layers.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(in, hidden[i])));
      in = hidden[i];
    }
    out = register_module("out", torch::nn::Linear(in, 1));
  }
  torch::Tensor forward(torch::Tensor h) {
    for (auto& layer : layers) {
      h = layer->forward(h);
      h = first_order_relu ? FirstOrderRelu::apply(h) : torch::relu(h);
    }
    return out->forward(h).squeeze(1);
  }
  std::vector<torch::nn::Linear> layers;
  torch::nn::Linear out{nullptr};
  bool first_order_relu;
};

torch::Tensor resample(const torch::Tensor& x, std::int64_t b) {
  if (x.size(0) == b) return x;
  return x.index_select(0, torch::randint(x.size(0), {b}, torch::TensorOptions().dtype(torch::kLong).device(x.device())));
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::int64_t n = 0, n_p = 0, dim = 0, batch = 0, epochs = 0, threads = 0;
  double alpha = 0, beta_max = 0, lr0 = 0, weight_decay = 0;
  std::vector<std::int64_t> hidden;
  std::string precision, device_name;
  bool optimized = false;
  po::options_description options("handwritten_gradpu options");
  options.add_options()("help", "this help")
      ("n", po::value(&n)->default_value(59500), "training instances (P u U)")
      ("n-p", po::value(&n_p)->default_value(1000), "labeled positives")
      ("dim", po::value(&dim)->default_value(784), "features")
      ("hidden", po::value(&hidden)->multitoken()->default_value({300, 300, 300, 300}, "300 300 300 300"), "hidden widths")
      ("batch", po::value(&batch)->default_value(250), "batch size")
      ("epochs", po::value(&epochs)->default_value(3), "epochs")
      ("threads", po::value(&threads)->default_value(1), "intra-op threads")
      ("alpha", po::value(&alpha)->default_value(0.2), "gradient penalty strength")
      ("beta-max", po::value(&beta_max)->default_value(30.0), "final upweighting strength")
      ("lr", po::value(&lr0)->default_value(1e-4), "initial learning rate")
      ("weight-decay", po::value(&weight_decay)->default_value(5e-4), "Adam weight decay")
      ("precision", po::value(&precision)->default_value("float32"), "float32 or bfloat16 (autocast)")
      ("device", po::value(&device_name)->default_value("cpu"), "cpu or cuda (data, model and steps on that device)")
      ("optimized", po::bool_switch(&optimized), "the optimizations pulab makes (docs/performance.md)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  po::notify(vm);

  const bool cuda = device_name == "cuda";
  if (!cuda && device_name != "cpu") {
    std::cerr << "handwritten_gradpu: error: --device must be cpu or cuda, got '" << device_name << "'\n";
    return 2;
  }
  if (cuda && !torch::cuda::is_available()) {
    std::cerr << "handwritten_gradpu: error: --device cuda, but this LibTorch sees no CUDA device\n";
    return 2;
  }
  const torch::Device device = cuda ? torch::kCUDA : torch::kCPU;
  const auto on_device = torch::TensorOptions().device(device);
  const auto long_on_device = on_device.dtype(torch::kLong);
  torch::set_num_threads(static_cast<int>(threads));
  torch::manual_seed(0);
  const auto x = torch::randn({n, dim}).to(device);
  Mlp model(dim, hidden, optimized);
  model.to(device);
  const auto parameters = model.parameters();
  torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(lr0).weight_decay(weight_decay));
  const bool bf16 = precision == "bfloat16";

  const std::int64_t batches = (n + batch - 1) / batch, total = epochs * batches;
  const std::int64_t fill_p = std::max<std::int64_t>(1, std::llround(double(batch) * n_p / n));
  const std::int64_t fill_u = std::max<std::int64_t>(1, std::llround(double(batch) * (n - n_p) / n));
  const double final_lr = lr0 * 0.1;
  std::vector<double> seconds;
  double objective_sum = 0;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model.train();
    const auto perm = torch::randperm(n, long_on_device);
    objective_sum = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const std::int64_t it = epoch * batches + b;
      const auto idx = perm.slice(0, b * batch, std::min((b + 1) * batch, n));
      const auto in_p = idx < n_p;
      const auto p_idx = idx.masked_select(in_p), u_idx = idx.masked_select(~in_p);
      const auto x_p = p_idx.numel() > 0 ? x.index_select(0, p_idx)
                                         : x.index_select(0, torch::randint(n_p, {fill_p}, long_on_device));
      const auto x_u = u_idx.numel() > 0 ? x.index_select(0, u_idx)
                                         : x.index_select(0, torch::randint(n - n_p, {fill_u}, long_on_device) + n_p);
      torch::Tensor objective;
      {
        if (bf16) {
          PULAB_AUTOCAST_DTYPE(cuda, at::kBFloat16);
          PULAB_AUTOCAST_ENABLE(cuda, true);
          at::autocast::increment_nesting();
        }
        const auto g = model.forward(torch::cat({x_p, x_u})).to(torch::kFloat);
        const auto g_p = g.slice(0, 0, x_p.size(0)), g_u = g.slice(0, x_p.size(0));
        const double beta = double(it + 1) / double(total) * beta_max;
        const auto w_p = 1.0 - beta * torch::log_sigmoid(2.0 * g_p.detach());
        const auto risk = ((1.0 - torch::tanh(g_p)).abs() * w_p).mean() + (-1.0 - torch::tanh(g_u)).abs().mean();

        const std::int64_t m = std::max(x_p.size(0), x_u.size(0));
        const auto a = resample(x_p, m), c = resample(x_u, m);
        const auto lambda = torch::rand({m}, on_device).view({m, 1});
        const auto x_mix = (lambda * a + (1 - lambda) * c).detach().requires_grad_(true);
        const auto g_mix = model.forward(x_mix);
        const auto grad = torch::autograd::grad({g_mix.sum()}, {x_mix}, {}, true, true)[0];
        objective = risk + (alpha * grad.square().sum(1).mean()).to(torch::kFloat);
        if (bf16) {
          if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
          PULAB_AUTOCAST_ENABLE(cuda, false);
        }
      }
      objective_sum += objective.item<double>();
      const double lr = lr0 + (final_lr - lr0) * double(it) / double(total - 1);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      if (optimized) {
        torch::autograd::backward({objective}, {}, /*retain_graph=*/{}, false, parameters);
      } else {
        objective.backward();
      }
      optimizer.step();
    }
    if (cuda) torch::cuda::synchronize();  // the last step's backward and update are queued, not done
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("{\"contender\": \"handwritten\", \"epoch_seconds\": [");
  for (std::size_t i = 0; i < seconds.size(); ++i) std::printf("%s%.6f", i ? ", " : "", seconds[i]);
  std::printf("], \"mean_objective\": %.6f, \"threads\": %d}\n", objective_sum / double(batches),
              torch::get_num_threads());
  return 0;
}
