#include "engine/trainer.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include <sys/resource.h>

#include <fmt/format.h>
#include <torch/torch.h>

#include "config/config_node.hpp"
#include "engine/autocast_scope.hpp"
#include "data/pu_split.hpp"
#include "engine/checkpoint.hpp"
#include "engine/metrics.hpp"
#include "engine/results.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/error.hpp"
#include "pulab/labeling_mechanism.hpp"
#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_weighting.hpp"

namespace pulab {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

template <class Interface>
std::shared_ptr<Interface> build(const Registry<Interface>& registry, const ComponentConfig& config,
                                 const BuildContext& context) {
  const auto* component = registry.find(config.name);
  if (!component) throw Error(std::string("unknown ") + kind_name<Interface>() + " '" + config.name + "'");
  try {
    return component->factory(config.params, context);
  } catch (const DataError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string(kind_name<Interface>()) + " '" + config.name + "': " + e.what());
  }
}

torch::Tensor score_all(ScoreModel& model, const torch::Tensor& x, std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (std::int64_t start = 0; start < x.size(0); start += batch_size) {
    parts.push_back(model.forward(x.slice(0, start, std::min(start + batch_size, x.size(0)))).reshape({-1}));
  }
  if (parts.empty()) return torch::empty({0}, x.options());
  return torch::cat(parts).to(torch::kCPU);
}

// The learning-rate schedule, decided once per run so that the step does no string comparison.
class LearningRateSchedule {
 public:
  LearningRateSchedule(const TrainConfig& train, std::int64_t total_iterations)
      : lr_(train.lr), final_lr_(train.lr * train.lr_final_factor), total_(total_iterations),
        kind_(train.lr_schedule == "linear" ? Kind::Linear : train.lr_schedule == "cosine" ? Kind::Cosine : Kind::Constant) {}

  // The learning rate of 0-based `iteration`: lr at the first step, lr * lr_final_factor at the last.
  double at(std::int64_t iteration) const {
    const double t = total_ > 1 ? double(iteration) / double(total_ - 1) : 1.0;
    switch (kind_) {
      case Kind::Linear: return lr_ + (final_lr_ - lr_) * t;
      case Kind::Cosine: return final_lr_ + (lr_ - final_lr_) * 0.5 * (1.0 + std::cos(M_PI * t));
      case Kind::Constant: break;
    }
    return lr_;
  }

 private:
  enum class Kind { Constant, Linear, Cosine };
  double lr_, final_lr_;
  std::int64_t total_;
  Kind kind_;
};

// The process's peak resident memory in MiB (Linux reports ru_maxrss in KiB).
double peak_rss_mb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

std::string duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// Draws `count` rows of `x` uniformly with replacement (for a mini-batch that holds no sample of
// one side; see docs/architecture.md).
torch::Tensor draw(const torch::Tensor& x, std::int64_t count) {
  return x.index_select(0, torch::randint(x.size(0), {count}, torch::TensorOptions().dtype(torch::kLong)).to(x.device()));
}

void check_data(const LabeledData& data, const std::string& dataset) {
  auto check = [&](const LabeledSet& s, const char* which) {
    if (!s.x.defined() || !s.y.defined() || s.x.dim() < 2 || s.y.dim() != 1 || s.x.size(0) != s.y.size(0)) {
      throw DataError("dataset '" + dataset + "': the " + which + " set is malformed (x must be [n, ...], y [n])");
    }
    if (s.x.scalar_type() != torch::kFloat) throw DataError("dataset '" + dataset + "': x must be float32");
  };
  check(data.train, "training");
  check(data.test, "test");
}

}  // namespace

RunStatus train_run(const RunSpec& spec, const PluginHost& host, const TrainOptions& options,
                    RunRecord* record_out) {
  const auto wall_start = Clock::now();
  const Registries& registries = host.registries();
  const std::string run_name = spec.experiment + "/" + spec.run_id;

  std::int64_t threads = options.threads > 0 ? options.threads : spec.train.threads;
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(static_cast<int>(threads));

  torch::Device device(torch::kCPU);
  if (spec.train.device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw Error(run_name + ": train.device = \"cuda\" but this pulab sees no CUDA device (or was built "
                             "against a CPU-only LibTorch)");
    }
    device = torch::Device(torch::kCUDA);
  }
  torch::manual_seed(static_cast<std::uint64_t>(spec.train.seed));

  BuildContext context;
  context.data_dir = spec.data_dir.string();
  const auto data_start = Clock::now();
  auto source = build(registries.datasets, spec.dataset, context);
  const LabeledData data = source->load();
  check_data(data, spec.dataset.name);
  auto labeling = build(registries.labelings, spec.labeling, context);
  PUData pu = make_pu_split(data, spec.split, *labeling, static_cast<std::uint64_t>(spec.train.seed));
  const double prior = pu.stats.prior;
  const double data_seconds = std::chrono::duration<double>(Clock::now() - data_start).count();
  // The operative configuration next to the results: `pulab run <run_dir>/config.toml` redoes the run.
  write_file_atomically(spec.run_dir() / "config.toml",
                        "# The operative configuration of this run (every default filled in).\n" +
                            to_toml_document(spec.resolved));
  if (!options.quiet) {
    const auto& st = pu.stats;
    fmt::print("[{}] split: {} labeled positives, {} unlabeled ({} positive, prior {:.4f}; methods get {:.4f}), "
               "validation {} ({} positive), test {} ({} positive)\n",
               run_name, st.n_labeled, st.n_unlabeled, st.n_unlabeled_positive, st.true_prior, st.prior,
               st.n_validation, st.n_validation_positive, st.n_test, st.n_test_positive);
  }

  context.input_shape.assign(data.train.x.sizes().begin() + 1, data.train.x.sizes().end());
  torch::manual_seed(static_cast<std::uint64_t>(spec.train.seed));  // the model's initialisation
  auto model = build(registries.models, spec.model, context);
  model->to(device);
  auto risk = build(registries.risks, spec.risk, context);
  std::shared_ptr<SampleWeighting> weighting;
  if (!spec.weighting.name.empty()) weighting = build(registries.weightings, spec.weighting, context);
  std::vector<std::shared_ptr<Regularizer>> regularizers;
  for (const auto& r : spec.regularizers) regularizers.push_back(build(registries.regularizers, r, context));

  std::vector<torch::Tensor> parameters;  // the trained ones (a frozen parameter is not asked for)
  for (const auto& p : model->parameters())
    if (p.requires_grad()) parameters.push_back(p);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(spec.train.lr)
                                                        .betas({spec.train.adam_beta1, spec.train.adam_beta2})
                                                        .weight_decay(spec.train.weight_decay));

  // P and U live in one contiguous tensor; a batch is gathered with index_select.
  const std::int64_t n_p = pu.x_p.size(0), n_u = pu.x_u.size(0), n_train = n_p + n_u;
  const auto x_train = torch::cat({pu.x_p, pu.x_u}).to(device);
  const auto u_positive = pu.u_positive.to(device);
  const auto x_p_device = x_train.slice(0, 0, n_p);
  const auto x_u_device = x_train.slice(0, n_p);
  const auto x_val = pu.x_val.to(device), x_test = pu.x_test.to(device);
  const std::int64_t batch_size = spec.train.batch_size;
  const std::int64_t batches_per_epoch = (n_train + batch_size - 1) / batch_size;
  const std::int64_t total_iterations = spec.train.epochs * batches_per_epoch;
  const LearningRateSchedule schedule(spec.train, total_iterations);
  const bool bfloat16 = spec.train.precision == "bfloat16";  // decided once: the step compares no strings
  // Expected labeled positives per batch, drawn when a batch happens to hold none.
  const std::int64_t fill_p = std::max<std::int64_t>(1, std::llround(double(batch_size) * n_p / n_train));
  const std::int64_t fill_u = std::max<std::int64_t>(1, std::llround(double(batch_size) * n_u / n_train));

  RunRecord record;
  record.threads = threads;
  record.device = device.str();
  const fs::path checkpoint = spec.run_dir() / "checkpoint.pt";
  const std::string fingerprint = config_fingerprint(spec);
  std::int64_t start_epoch = 0;
  if (fs::exists(checkpoint)) {
    start_epoch = load_checkpoint(checkpoint, *model, optimizer, record, fingerprint);
    record.resumed_from_epoch = start_epoch;
    if (!options.quiet) fmt::print("[{}] resuming after epoch {} from {}\n", run_name, start_epoch, checkpoint.string());
  }
  const double wall_before = record.wall_seconds;
  record.data_seconds = data_seconds;

  std::int64_t epochs_this_call = 0;
  for (std::int64_t epoch = start_epoch; epoch < spec.train.epochs; ++epoch) {
    if (options.max_epochs_this_call >= 0 && epochs_this_call >= options.max_epochs_this_call) {
      record.wall_seconds = wall_before + std::chrono::duration<double>(Clock::now() - wall_start).count();
      if (record_out) *record_out = record;
      return RunStatus::Interrupted;
    }
    const auto epoch_start = Clock::now();
    model->train();
    const auto perm = torch::randperm(n_train, torch::TensorOptions().dtype(torch::kLong));
    double risk_sum = 0, objective_sum = 0, lr = spec.train.lr;
    for (std::int64_t b = 0; b < batches_per_epoch; ++b) {
      const Progress progress{epoch * batches_per_epoch + b, total_iterations, epoch};
      const auto idx = perm.slice(0, b * batch_size, std::min((b + 1) * batch_size, n_train));
      const auto in_p = idx < n_p;
      const auto p_idx = idx.masked_select(in_p).to(device);
      const auto u_idx = idx.masked_select(~in_p).to(device);
      Batch batch;
      batch.x_p = p_idx.numel() > 0 ? x_train.index_select(0, p_idx) : draw(x_p_device, fill_p);
      if (u_idx.numel() > 0) {
        batch.x_u = x_train.index_select(0, u_idx);
        batch.u_positive = u_positive.index_select(0, u_idx - n_p);
      } else {
        const auto drawn = torch::randint(n_u, {fill_u}, torch::TensorOptions().dtype(torch::kLong)).to(device);
        batch.x_u = x_u_device.index_select(0, drawn);
        batch.u_positive = u_positive.index_select(0, drawn);
      }
      for (auto& r : regularizers) r->prepare(batch, progress);

      torch::Tensor objective;
      RiskOutput out;
      {
        const AutocastScope autocast(bfloat16, device.type());
        // The risk sees float32 scores whatever the precision of the products that made them.
        const auto g = model->forward(torch::cat({batch.x_p, batch.x_u})).reshape({-1}).to(torch::kFloat);
        Scores scores{g.slice(0, 0, batch.x_p.size(0)), g.slice(0, batch.x_p.size(0))};
        const torch::Tensor weights = weighting ? weighting->positive_weights(scores.p, progress) : torch::Tensor();
        out = risk->compute({scores, weights, prior, batch});
        objective = out.objective;
        for (auto& r : regularizers) {
          torch::Tensor penalty = r->penalty(*model, batch, scores, progress);
          if (penalty.defined()) objective = objective + penalty.to(torch::kFloat);
        }
      }
      const double objective_value = objective.item<double>();
      const double risk_value = out.reported.item<double>();
      if (!std::isfinite(objective_value) || !std::isfinite(risk_value)) {
        throw TrainingError(fmt::format("run {}: epoch {}, batch {}: the {} is {} (try a smaller train.lr)",
                                        run_name, epoch + 1, b + 1,
                                        std::isfinite(risk_value) ? "objective" : "risk",
                                        std::isfinite(risk_value) ? objective_value : risk_value));
      }
      risk_sum += risk_value;
      objective_sum += objective_value;

      lr = schedule.at(progress.iteration);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      // Only the model's parameters are trained: naming them lets autograd skip every gradient
      // nobody reads, e.g. the gradient penalty's input-gradient of its interpolates (a leaf that
      // requires grad), the largest product of the first layer.
      torch::autograd::backward({objective}, {}, c10::nullopt, false, parameters);
      optimizer.step();
    }

    const auto train_end = Clock::now();

    // Evaluation: NoGradGuard + eval() (no dropout), in large batches.
    model->eval();
    EpochRecord rec;
    rec.train_seconds = std::chrono::duration<double>(train_end - epoch_start).count();
    rec.epoch = epoch + 1;
    rec.train_risk = risk_sum / double(batches_per_epoch);
    rec.train_objective = objective_sum / double(batches_per_epoch);
    rec.lr = lr;
    if (risk->needs_calibration()) {
      CalibrationInput calibration{score_all(*model, x_u_device, spec.train.eval_batch_size),
                                   score_all(*model, x_p_device, spec.train.eval_batch_size), prior};
      rec.threshold = risk->decision_threshold(calibration);
    } else {
      rec.threshold = risk->decision_threshold({torch::Tensor(), torch::Tensor(), prior});
    }
    const auto val_scores = score_all(*model, x_val, spec.train.eval_batch_size);
    if (val_scores.numel() > 0) {
      rec.val = compute_metrics(val_scores, pu.y_val, rec.threshold);
      rec.val_pu_auc = roc_auc(val_scores, pu.val_labeled);
    }
    rec.test = compute_metrics(score_all(*model, x_test, spec.train.eval_batch_size), pu.y_test, rec.threshold);
    rec.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    rec.peak_rss_mb = peak_rss_mb();
    record.epochs.push_back(rec);
    ++epochs_this_call;
    record.wall_seconds = wall_before + std::chrono::duration<double>(Clock::now() - wall_start).count();

    if (!options.quiet) {
      const double per_epoch = std::chrono::duration<double>(Clock::now() - wall_start).count() / double(epochs_this_call);
      fmt::print("[run {}/{} {}] epoch {}/{}  risk {:.4f}  objective {:.4f}  val acc {:.2f}%  test acc {:.2f}%  "
                 "{:.1f} s/epoch  ETA {}\n",
                 options.run_index + 1, options.run_total, spec.run_id, epoch + 1, spec.train.epochs, rec.train_risk,
                 rec.train_objective, 100 * rec.val.accuracy, 100 * rec.test.accuracy, rec.seconds,
                 duration(per_epoch * double(spec.train.epochs - epoch - 1)));
      std::fflush(stdout);
    }
    if (epoch + 1 < spec.train.epochs) save_checkpoint(checkpoint, *model, optimizer, record, epoch + 1, fingerprint);
  }

  record.wall_seconds = wall_before + std::chrono::duration<double>(Clock::now() - wall_start).count();
  write_file_atomically(result_path(spec), result_json(spec, pu.stats, record, host.plugins()));
  std::error_code ignored;
  fs::remove(checkpoint, ignored);
  if (record_out) *record_out = record;
  return RunStatus::Finished;
}

}  // namespace pulab
