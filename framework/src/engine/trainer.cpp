// One run: set-up (data, split, components, state), then the epoch loop: hooks, sampler, steps,
// evaluation, checkpoint. Each part lives in its own file; this one only puts them in order.
#include "engine/trainer.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include <sys/resource.h>

#include <fmt/format.h>
#include <torch/torch.h>

#include "config/config_node.hpp"
#include "data/pu_split.hpp"
#include "engine/checkpoint.hpp"
#include "engine/early_stopping.hpp"
#include "engine/engine_context.hpp"
#include "engine/evaluation.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/prior_estimation.hpp"
#include "engine/results.hpp"
#include "engine/run_split.hpp"
#include "engine/run_components.hpp"
#include "engine/training_data.hpp"
#include "engine/training_step.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/error.hpp"
#include "pulab/labeling_mechanism.hpp"

namespace pulab {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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

torch::Device run_device(const RunSpec& spec, const std::string& run_name) {
  if (spec.train.device != "cuda") return torch::Device(torch::kCPU);
  if (!torch::cuda::is_available()) {
    throw Error(run_name + ": train.device = \"cuda\" but this pulab sees no CUDA device (or was built "
                           "against a CPU-only LibTorch)");
  }
  return torch::Device(torch::kCUDA);
}

void print_split(const std::string& run_name, const SplitStats& st) {
  fmt::print("[{}] split: {} labeled positives, {} unlabeled ({} positive, prior {:.4f}; methods get {:.4f}), "
             "validation {} ({} positive), test {} ({} positive)\n",
             run_name, st.n_labeled, st.n_unlabeled, st.n_unlabeled_positive, st.true_prior, st.prior,
             st.n_validation, st.n_validation_positive, st.n_test, st.n_test_positive);
}

// A run from set-up to result file. Members are the run's parts; each method one phase.
class Run {
 public:
  Run(const RunSpec& spec, const PluginHost& host, const TrainOptions& options)
      : spec_(spec), host_(host), options_(options), run_name_(spec.experiment + "/" + spec.run_id),
        checkpoint_(checkpoint_path(spec)), schedule_(spec.train) {}

  RunStatus execute(RunRecord* record_out) {
    const auto wall_start = Clock::now();
    set_up();
    const double wall_before = record_.wall_seconds;
    auto wall = [&] { return wall_before + seconds_since(wall_start); };
    std::int64_t epochs_this_call = 0;
    for (std::int64_t epoch = start_epoch_; epoch < spec_.train.epochs; ++epoch) {
      if (options_.max_epochs_this_call >= 0 && epochs_this_call >= options_.max_epochs_this_call) {
        record_.wall_seconds = wall();
        if (record_out) *record_out = record_;
        return RunStatus::Interrupted;
      }
      EpochRecord rec = train_epoch(epoch);
      record_.epochs.push_back(rec);
      ++epochs_this_call;
      record_.wall_seconds = wall();
      if (!options_.quiet) print_epoch(rec, seconds_since(wall_start) / double(epochs_this_call));
      if (should_stop_early(record_.epochs, spec_.train.early_stopping_patience, spec_.train.early_stopping_monitor)) {
        record_.stopped_early_after_epoch = rec.epoch;
        if (!options_.quiet) {
          fmt::print("[{}] early stopping after epoch {}: {} has not improved for {} epochs\n", run_name_, rec.epoch,
                     spec_.train.early_stopping_monitor, spec_.train.early_stopping_patience);
        }
        break;
      }
      if (epoch + 1 < spec_.train.epochs) save_checkpoint(checkpoint_, checkpoint_parts(), record_, epoch + 1, fingerprint_);
      if (options_.on_epoch_end) {
        options_.on_epoch_end(epoch + 1, spec_.train.epochs, seconds_since(wall_start) / double(epochs_this_call));
      }
    }
    record_.wall_seconds = wall();
    write_file_atomically(result_path(spec_), result_json(spec_, split_stats_, record_, host_.plugins()));
    remove_in_progress_files(spec_);
    if (record_out) *record_out = record_;
    return RunStatus::Finished;
  }

 private:
  void set_up() {
    std::int64_t threads = options_.threads > 0 ? options_.threads : spec_.train.threads;
    if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
    torch::set_num_threads(static_cast<int>(threads));
    const torch::Device device = run_device(spec_, run_name_);
    const Registries& registries = host_.registries();

    torch::manual_seed(static_cast<std::uint64_t>(spec_.train.seed));
    build_context_.data_dir = spec_.data_dir.string();
    const auto data_start = Clock::now();
    PUData pu = load_run_split(spec_, registries, build_context_, build_context_.input_shape);
    if (spec_.split.estimate_prior) use_estimated_prior(pu);
    split_stats_ = pu.stats;
    record_.data_seconds = seconds_since(data_start);
    // The operative configuration next to the results: `pulab run <run_dir>/config.toml` redoes the run.
    write_file_atomically(spec_.run_dir() / "config.toml",
                          "# The operative configuration of this run (every default filled in).\n" +
                              to_toml_document(spec_.resolved));
    if (!options_.quiet) print_split(run_name_, pu.stats);

    torch::manual_seed(static_cast<std::uint64_t>(spec_.train.seed));  // the model's initialisation
    components_ = build_components(spec_, registries, build_context_);
    components_.model->to(device);
    check_state_uses(spec_, components_);
    data_ = to_device(pu, device, components_.oracle);
    state_ = std::make_unique<SampleState>(data_.n_labeled, data_.n_unlabeled, pu.stats.prior, device);

    optimizer_ = std::make_unique<torch::optim::Adam>(
        components_.model->parameters(), torch::optim::AdamOptions(spec_.train.lr)
                                             .betas({spec_.train.adam_beta1, spec_.train.adam_beta2})
                                             .weight_decay(spec_.train.weight_decay));
    step_.components = &components_;
    for (const auto& p : components_.model->parameters())
      if (p.requires_grad()) step_.parameters.push_back(p);
    step_.optimizer = optimizer_.get();
    step_.bfloat16 = spec_.train.precision == "bfloat16";  // decided once: the step compares no strings

    batches_per_epoch_ = components_.sampler->plan({data_.n_labeled, data_.n_unlabeled, spec_.train.batch_size});
    const bool resuming = fs::exists(checkpoint_);
    context_ = std::make_unique<EngineContext>(EngineContext::Setup{
        &spec_, &registries, build_context_, components_.model.get(), &data_, state_.get(), pu.stats.prior,
        components_.prior_writer, resuming, optimizer_.get()});
    context_->set_progress({0, total_iterations(), 0});
    for (auto& h : components_.hooks) h.hook->on_run_start(*context_);
    context_->finish_start();
    for (const auto& role : context_->unused_augmentations()) {
      fmt::print(stderr, "[{}] warning: [augmentation.{}] is not used by any component of this run\n", run_name_, role);
    }

    record_.threads = threads;
    record_.device = device.str();
    fingerprint_ = config_fingerprint(spec_);
    if (resuming) {
      const double data_seconds = record_.data_seconds;
      start_epoch_ = load_checkpoint(checkpoint_, checkpoint_parts(), record_, fingerprint_);
      record_.resumed_from_epoch = start_epoch_;
      record_.data_seconds = data_seconds;
      if (!options_.quiet) fmt::print("[{}] resuming after epoch {} from {}\n", run_name_, start_epoch_, checkpoint_.string());
      if (!record_.segments.empty() && record_.segments.back().threads != threads) {
        fmt::print("[{}] note: epochs before {} ran with {} thread(s), this process uses {}; the results may differ "
                   "in the last bits from an uninterrupted run (result.json lists every segment)\n",
                   run_name_, start_epoch_ + 1, record_.segments.back().threads, threads);
      }
    }
    record_.segments.push_back({start_epoch_ + 1, threads, device.str()});
  }

  // split.prior = "estimate": every component gets the estimator's prior instead of the true one.
  void use_estimated_prior(PUData& pu) {
    const PriorEstimationOutcome e =
        estimate_prior_for_run(pu, spec_, host_.registries(), build_context_, options_.quiet);
    auto& st = pu.stats;
    st.prior = e.prior;
    st.prior_estimator = e.estimator;
    st.prior_estimate_raw = e.raw;
    st.prior_estimate_clipped = e.clipped;
    st.prior_estimate_note = e.note;
    st.prior_estimation_seconds = e.seconds;
    st.prior_classifier_seconds = e.classifier_seconds;
    if (!options_.quiet) {
      fmt::print("[{}] prior estimated by {}: {:.4f}{} in {:.1f} s{}\n", run_name_, e.estimator, e.raw,
                 e.clipped ? fmt::format(" (clipped to {:.4f})", e.prior) : "", e.seconds,
                 e.note.empty() ? "" : " (" + e.note + ")");
    }
  }

  std::int64_t total_iterations() const { return spec_.train.epochs * batches_per_epoch_; }

  CheckpointParts checkpoint_parts() {
    return {components_.model.get(), optimizer_.get(), context_.get(), &components_.hooks};
  }

  // Hooks at the epoch's start, the sampler's batches, one step each, hooks at the end, evaluation.
  EpochRecord train_epoch(std::int64_t epoch) {
    const auto epoch_start = Clock::now();
    EpochRecord rec;
    rec.epoch = epoch + 1;
    context_->set_progress({epoch * batches_per_epoch_, total_iterations(), epoch});
    for (auto& h : components_.hooks) h.hook->on_epoch_start(*context_);
    rec.hook_seconds = seconds_since(epoch_start);

    const auto train_start = Clock::now();
    components_.model->train();
    const std::int64_t batches = components_.sampler->begin_epoch(*state_, context_->progress());
    if (batches > batches_per_epoch_) {
      throw Error(fmt::format("sampler '{}' returned {} batches for epoch {}, more than the {} it planned",
                              spec_.sampler.name, batches, epoch + 1, batches_per_epoch_));
    }
    double risk_sum = 0, objective_sum = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const Progress progress{epoch * batches_per_epoch_ + b, total_iterations(), epoch};
      Batch batch = gather_batch(data_, components_.sampler->next(), *state_, context_->prior(), progress);
      rec.lr = set_learning_rate(progress);
      const StepOutcome outcome = train_step(step_, batch);
      if (!outcome.finite()) {
        throw TrainingError(fmt::format("run {}: epoch {}, batch {}: the {} is {} (try a smaller train.lr)", run_name_,
                                        epoch + 1, b + 1, std::isfinite(outcome.risk) ? "objective" : "risk",
                                        std::isfinite(outcome.risk) ? outcome.objective : outcome.risk));
      }
      risk_sum += outcome.risk;
      objective_sum += outcome.objective;
      context_->set_progress(progress);
      for (auto& h : components_.hooks) h.hook->after_step(*context_, batch);
    }
    rec.train_seconds = seconds_since(train_start);
    rec.train_risk = risk_sum / double(std::max<std::int64_t>(1, batches));
    rec.train_objective = objective_sum / double(std::max<std::int64_t>(1, batches));

    const auto end_hooks = Clock::now();
    for (auto& h : components_.hooks) h.hook->on_epoch_end(*context_);
    rec.hook_seconds += seconds_since(end_hooks);
    rec.prior = context_->prior();
    evaluate(*components_.model, *components_.risk, data_, context_->prior(), context_->progress(),
             spec_.train.eval_batch_size, rec);
    rec.seconds = seconds_since(epoch_start);
    rec.peak_rss_mb = peak_rss_mb();
    return rec;
  }

  // The schedule's learning rate for this step, applied to every extra optimizer and, through a
  // method's optimizer stage (EngineContext::run_learning_rate), to the run's own; returns the
  // run optimizer's.
  double set_learning_rate(const Progress& progress) {
    const double lr = schedule_.at(progress);
    auto apply = [](torch::optim::Optimizer& optimizer, double rate) {
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(rate);
    };
    const double run_lr = context_->run_learning_rate(lr, progress);
    apply(*optimizer_, run_lr);
    for (const auto& o : context_->extra_optimizers()) apply(*o.optimizer, lr);
    return run_lr;
  }

  void print_epoch(const EpochRecord& rec, double seconds_per_epoch) const {
    fmt::print("[run {}/{} {}] epoch {}/{}  risk {:.4f}  objective {:.4f}  val acc {:.2f}%  test acc {:.2f}%  "
               "{:.1f} s/epoch  ETA {}\n",
               options_.run_index + 1, options_.run_total, spec_.run_id, rec.epoch, spec_.train.epochs, rec.train_risk,
               rec.train_objective, 100 * rec.val.accuracy, 100 * rec.test.accuracy, rec.seconds,
               duration(seconds_per_epoch * double(spec_.train.epochs - rec.epoch)));
    std::fflush(stdout);
  }

  const RunSpec& spec_;
  const PluginHost& host_;
  const TrainOptions& options_;
  const std::string run_name_;
  const fs::path checkpoint_;
  const LearningRateSchedule schedule_;
  BuildContext build_context_;
  SplitStats split_stats_;
  RunComponents components_;
  TrainingData data_;
  std::unique_ptr<SampleState> state_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<EngineContext> context_;
  StepParts step_;
  std::int64_t batches_per_epoch_ = 0;
  std::int64_t start_epoch_ = 0;
  std::string fingerprint_;
  RunRecord record_;
};

}  // namespace

RunStatus train_run(const RunSpec& spec, const PluginHost& host, const TrainOptions& options,
                    RunRecord* record_out) {
  Run run(spec, host, options);
  return run.execute(record_out);
}

}  // namespace pulab
