#include "engine/checkpoint.hpp"

#include <unistd.h>

#include <sstream>

#include <torch/torch.h>

#include "engine/atomic_file.hpp"
#include "engine/results.hpp"
#include "pulab/error.hpp"

namespace pulab {
namespace fs = std::filesystem;

void save_checkpoint(const fs::path& file, ScoreModel& model, torch::optim::Optimizer& optimizer,
                     const RunRecord& record, std::int64_t epochs_done, const std::string& config) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
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
  // Serialized in memory, then written by us: LibTorch 1.13's file writer cannot report a failed
  // write (a full disk), its destructor throws again and std::terminate() aborts the process. A
  // failed write of ours leaves the previous checkpoint usable and no temporary file.
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_text_atomically(file, bytes.str());
}

std::int64_t load_checkpoint(const fs::path& file, ScoreModel& model, torch::optim::Optimizer& optimizer,
                             RunRecord& record, const std::string& config) {
  std::string stored_config;
  try {
    torch::serialize::InputArchive archive, model_archive, optimizer_archive;
    archive.load_from(file.string());
    archive.read("model", model_archive);
    model.load(model_archive);
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    torch::Tensor rng, epochs_done;
    archive.read("rng", rng);
    archive.read("epochs_done", epochs_done);
    c10::IValue history, written_config;
    archive.read("history", history);
    archive.read("config", written_config);
    stored_config = written_config.toStringRef();
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
    if (stored_config != config) throw Error("configuration mismatch");
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
