#include "engine/checkpoint.hpp"

#include <unistd.h>

#include <sstream>

#include <torch/torch.h>

#include "engine/atomic_file.hpp"
#include "engine/results.hpp"
#include "pulab/error.hpp"
#include "pulab/sample_state.hpp"

namespace pulab {
namespace fs = std::filesystem;

namespace {

// The per-sample state under "state/<column>" (on the CPU, so a checkpoint moves between devices).
void save_state(torch::serialize::OutputArchive& archive, const SampleState& state) {
  torch::serialize::OutputArchive columns;
  columns.write("weight", state.weight.cpu());
  columns.write("pseudo_label", state.pseudo_label.cpu());
  columns.write("active", state.active.cpu());
  for (const auto& [name, column] : state.extra_columns()) columns.write("extra." + name, column.cpu());
  archive.write("state", columns);
}

// Checkpoints of pulab < 0.2 hold no state: the state stays as the run's start left it.
void load_state(torch::serialize::InputArchive& archive, SampleState& state) {
  torch::serialize::InputArchive columns;
  if (!archive.try_read("state", columns)) return;
  auto restore = [&](const std::string& key, torch::Tensor& column) {
    torch::Tensor stored;
    columns.read(key, stored);
    column = stored.to(column.device());
  };
  restore("weight", state.weight);
  restore("pseudo_label", state.pseudo_label);
  restore("active", state.active);
  for (const auto& key : columns.keys()) {
    if (key.rfind("extra.", 0) == 0) restore(key, state.column(key.substr(6)));
  }
}

}  // namespace

void save_checkpoint(const fs::path& file, const CheckpointParts& parts, const RunRecord& record,
                     std::int64_t epochs_done, const std::string& config) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  parts.model->save(model_archive);
  parts.optimizer->save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("rng", generator.get_state());
  }
  archive.write("epochs_done", torch::tensor(epochs_done));
  archive.write("history", c10::IValue(history_json(record)));
  archive.write("config", c10::IValue(config));
  save_state(archive, parts.context->state());
  archive.write("prior", torch::tensor(parts.context->prior(), torch::kDouble));
  const OptimizerStage& stage = parts.context->optimizer_stage();
  archive.write("optimizer_stage",
                torch::tensor(std::vector<double>{stage.learning_rate_scale, stage.weight_decay_scale,
                                                  stage.own_schedule ? 1.0 : 0.0, stage.final_lr_factor,
                                                  double(parts.context->optimizer_stage_start())},
                              torch::kDouble));
  for (const auto& m : parts.context->extra_models()) {
    torch::serialize::OutputArchive a;
    m.model->save(a);
    archive.write("extra_model." + m.key, a);
  }
  for (const auto& o : parts.context->extra_optimizers()) {
    torch::serialize::OutputArchive a;
    o.optimizer->save(a);
    archive.write("extra_optimizer." + o.key, a);
  }
  for (const auto& h : *parts.hooks) {
    torch::serialize::OutputArchive a;
    h.hook->save(a);
    archive.write("hook." + h.label, a);
  }
  // Serialized in memory, then written by us: LibTorch 1.13's file writer cannot report a failed
  // write (a full disk), its destructor throws again and std::terminate() aborts the process. A
  // failed write of ours leaves the previous checkpoint usable and no temporary file.
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_text_atomically(file, bytes.str());
}

std::int64_t load_checkpoint(const fs::path& file, const CheckpointParts& parts, RunRecord& record,
                             const std::string& config) {
  std::string stored_config;
  try {
    torch::serialize::InputArchive archive, model_archive, optimizer_archive;
    archive.load_from(file.string());
    archive.read("model", model_archive);
    parts.model->load(model_archive);
    archive.read("optimizer", optimizer_archive);
    parts.optimizer->load(optimizer_archive);
    torch::Tensor rng, epochs_done;
    archive.read("rng", rng);
    archive.read("epochs_done", epochs_done);
    c10::IValue history, written_config;
    archive.read("history", history);
    archive.read("config", written_config);
    stored_config = written_config.toStringRef();
    if (stored_config != config) throw Error("configuration mismatch");
    load_state(archive, parts.context->state());
    torch::Tensor prior;
    if (archive.try_read("prior", prior)) parts.context->restore_prior(prior.item<double>());
    // Checkpoints from before pulab 0.4 have no stage: their runs trained on the run's settings.
    torch::Tensor stage;
    if (archive.try_read("optimizer_stage", stage)) {
      const auto v = [&stage](int i, double otherwise) { return i < stage.numel() ? stage[i].item<double>() : otherwise; };
      parts.context->restore_optimizer_stage({v(0, 1), v(1, 1), v(2, 0) != 0, v(3, 1)},
                                             static_cast<std::int64_t>(v(4, 0)));
    }
    for (const auto& m : parts.context->extra_models()) {
      torch::serialize::InputArchive a;
      archive.read("extra_model." + m.key, a);
      m.model->load(a);
    }
    for (const auto& o : parts.context->extra_optimizers()) {
      torch::serialize::InputArchive a;
      archive.read("extra_optimizer." + o.key, a);
      o.optimizer->load(a);
    }
    for (const auto& h : *parts.hooks) {
      torch::serialize::InputArchive a;
      if (archive.try_read("hook." + h.label, a)) h.hook->load(a);
    }
    {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(rng);
    }
    const auto threads = record.threads;
    const auto device = record.device;
    record = history_from_json(history.toStringRef());
    record.threads = threads;
    record.device = device;
    return epochs_done.item<std::int64_t>();
  } catch (const Error&) {
    throw Error(file.string() + ": this checkpoint was written by another configuration of the run; delete it "
                                "to start the run again, or set another output_dir");
  } catch (const std::exception& e) {
    throw Error(file.string() + ": cannot resume from this checkpoint (" + std::string(e.what()).substr(0, 300) +
                "); delete it to start the run again");
  }
}

}  // namespace pulab
