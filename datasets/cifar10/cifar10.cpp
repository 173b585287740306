// CIFAR-10 from its binary batches (data_batch_1..5.bin, test_batch.bin).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <pulab/dataset_source.hpp>
#include <pulab/plugin.hpp>
#include <pulab/readers.hpp>

namespace {
namespace fs = std::filesystem;

const char* const kHint = "`bash datasets/fetch.sh cifar10` (it needs the internet, or the files placed by hand)";

std::map<std::string, std::string> known_checksums() {
  return pulab::read_checksums(pulab::default_checksums_file());
}

class Cifar10Source final : public pulab::DatasetSource {
 public:
  static pulab::Schema schema() {
    return {
        pulab::param::text("dir", "",
                           "folder of the binary batches; empty = <data dir>/cifar10 (filled by "
                           "`bash datasets/fetch.sh cifar10`)"),
        pulab::param::boolean("verify_checksums", true,
                              "check the SHA-256 of each batch that datasets/checksums.txt lists "
                              "(fetch.sh verifies the downloaded archive's MD5)"),
        pulab::param::text("normalize", "none",
                           "none: pixels in [0, 1]; standardize: per channel, subtract the train "
                           "mean, divide by the train std (applied to train and test)")
            .one_of({"none", "standardize"}),
    };
  }

  Cifar10Source(const pulab::Params& p, const pulab::BuildContext& ctx)
      : verify_(p.boolean("verify_checksums")), standardize_(p.text("normalize") == "standardize") {
    if (!p.text("dir").empty()) {
      dir_ = p.text("dir");
    } else {
      dir_ = fs::path(ctx.data_dir.empty() ? "data" : ctx.data_dir) / "cifar10";
    }
  }

  pulab::LabeledData load() override {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      throw pulab::DataError(dir_.string() + ": CIFAR-10 data folder not found; run " + kHint +
                             "; after `--dir D`, point PULAB_DATA or the dataset's dir at D");
    }
    const auto sums = verify_ ? known_checksums() : std::map<std::string, std::string>{};
    pulab::LabeledData data;
    data.train = read({"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                       "data_batch_5.bin"},
                      50000, sums, data.files);
    data.test = read({"test_batch.bin"}, 10000, sums, data.files);
    if (standardize_) pulab::standardize(data.train, data.test);
    data.default_positive_classes = {0, 1, 8, 9};  // airplane, automobile, ship, truck: vehicles
    return data;
  }

 private:
  pulab::LabeledSet read(const std::vector<std::string>& names, std::int64_t records,
                         const std::map<std::string, std::string>& sums, std::vector<std::string>& files) {
    std::vector<fs::path> paths;
    std::vector<std::string> expected;
    for (const auto& name : names) {
      paths.push_back(locate(name));
      auto it = sums.find("cifar10/" + name);
      expected.push_back(it == sums.end() ? std::string() : it->second);
    }
    pulab::LabeledSet set;
    try {
      set = pulab::read_cifar10_batches(paths, expected);
    } catch (const pulab::DataError& e) {
      throw pulab::DataError(std::string(e.what()) + " (" + kHint + " fetches verified files)");
    }
    // Every official batch holds 10000 records: another count means other files.
    if (set.x.size(0) != records) {
      throw pulab::DataError(paths.front().string() + ": " + std::to_string(names.size()) +
                             " batch file(s) hold " + std::to_string(set.x.size(0)) +
                             " records, expected " + std::to_string(records) +
                             " (10000 per batch); not the official CIFAR-10 batches?");
    }
    for (const auto& path : paths) files.push_back(path.string());
    return set;
  }

  fs::path locate(const std::string& name) const {
    std::error_code ec;
    if (fs::exists(dir_ / name, ec)) return dir_ / name;
    if (fs::exists(dir_ / (name + ".gz"), ec)) return dir_ / (name + ".gz");
    throw pulab::DataError((dir_ / name).string() + ": file not found; run " + kHint);
  }

  fs::path dir_;
  bool verify_;
  bool standardize_;
};

}  // namespace

PULAB_PLUGIN("cifar10", "1.0.0") {
  registrar.add<pulab::DatasetSource, Cifar10Source>(
      "cifar10", "CIFAR-10, 50000 train / 10000 test 3x32x32 images (binary batches from datasets/fetch.sh)");
}
