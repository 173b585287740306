// MNIST and FashionMNIST: the same IDX reader, different folders and default positive classes.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <pulab/dataset_source.hpp>
#include <pulab/plugin.hpp>
#include <pulab/readers.hpp>

namespace {
namespace fs = std::filesystem;

struct Mnist {
  static constexpr const char* kFolder = "mnist";  // under the data dir, and the fetch.sh set name
  static constexpr const char* kTitle = "MNIST";
  static std::vector<std::int64_t> positives() { return {1, 3, 5, 7, 9}; }
};

struct FashionMnist {
  static constexpr const char* kFolder = "fashion-mnist";
  static constexpr const char* kTitle = "FashionMNIST";
  static std::vector<std::int64_t> positives() { return {0, 2, 4, 6, 8}; }
};

// The list fetch.sh verified against; an installed build may not ship it.
std::map<std::string, std::string> known_checksums() {
  return pulab::read_checksums(pulab::default_checksums_file());
}

template <class Set>
class IdxSource final : public pulab::DatasetSource {
 public:
  static pulab::Schema schema() {
    return {
        pulab::param::text("dir", "",
                           std::string("folder of the IDX files; empty = <data dir>/") + Set::kFolder +
                               " (filled by `bash datasets/fetch.sh " + Set::kFolder + "`)"),
        pulab::param::boolean("verify_checksums", true,
                              "check each file's SHA-256 against datasets/checksums.txt"),
        pulab::param::text("normalize", "none",
                           "none: pixels in [0, 1]; standardize: subtract the train mean, divide by "
                           "the train std (train statistics applied to train and test)")
            .one_of({"none", "standardize"}),
    };
  }

  IdxSource(const pulab::Params& p, const pulab::BuildContext& ctx)
      : verify_(p.boolean("verify_checksums")), standardize_(p.text("normalize") == "standardize") {
    if (!p.text("dir").empty()) {
      dir_ = p.text("dir");
    } else {
      dir_ = fs::path(ctx.data_dir.empty() ? "data" : ctx.data_dir) / Set::kFolder;
    }
  }

  pulab::LabeledData load() override {
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
      throw pulab::DataError(dir_.string() + ": " + Set::kTitle + " data folder not found; run `bash " +
                             "datasets/fetch.sh " + Set::kFolder + "` (it writes to $PULAB_DATA, else " +
                             "./data; after `--dir D`, point PULAB_DATA or the dataset's dir at D)");
    }
    const auto sums = verify_ ? known_checksums() : std::map<std::string, std::string>{};
    pulab::LabeledData data;
    data.train = read_pair("train", sums, data.files);
    data.test = read_pair("t10k", sums, data.files);
    if (standardize_) pulab::standardize(data.train, data.test);
    data.default_positive_classes = Set::positives();
    return data;
  }

 private:
  pulab::LabeledSet read_pair(const std::string& prefix, const std::map<std::string, std::string>& sums,
                              std::vector<std::string>& files) {
    const std::string images_name = prefix + "-images-idx3-ubyte";
    const std::string labels_name = prefix + "-labels-idx1-ubyte";
    const fs::path images = locate(images_name);
    const fs::path labels = locate(labels_name);
    try {
      pulab::LabeledSet set;
      set.x = pulab::read_idx_images(images, expected(sums, images_name));
      set.y = pulab::read_idx_labels(labels, 10, expected(sums, labels_name));
      pulab::check_same_count(images, set.x, labels, set.y);
      files.push_back(images.string());
      files.push_back(labels.string());
      return set;
    } catch (const pulab::DataError& e) {
      throw pulab::DataError(std::string(e.what()) + " (`bash datasets/fetch.sh " + Set::kFolder +
                             "` fetches verified files)");
    }
  }

  // The raw file, or its gzip-compressed copy (the reader detects gzip by content).
  fs::path locate(const std::string& name) const {
    std::error_code ec;
    if (fs::exists(dir_ / name, ec)) return dir_ / name;
    if (fs::exists(dir_ / (name + ".gz"), ec)) return dir_ / (name + ".gz");
    throw pulab::DataError((dir_ / name).string() + ": file not found; run `bash datasets/fetch.sh " +
                           Set::kFolder + "` to fetch the missing files");
  }

  // Checksums are of the raw content, so they also hold for a gzip-compressed copy.
  static std::string expected(const std::map<std::string, std::string>& sums, const std::string& name) {
    auto it = sums.find(std::string(Set::kFolder) + "/" + name);
    return it == sums.end() ? std::string() : it->second;
  }

  fs::path dir_;
  bool verify_;
  bool standardize_;
};

}  // namespace

PULAB_PLUGIN("mnist", "1.0.0") {
  registrar.add<pulab::DatasetSource, IdxSource<Mnist>>(
      "mnist", "MNIST digits, 60000 train / 10000 test 28x28 images (IDX files from datasets/fetch.sh)");
  registrar.add<pulab::DatasetSource, IdxSource<FashionMnist>>(
      "fashion_mnist",
      "FashionMNIST clothing, 60000 train / 10000 test 28x28 images (IDX files from datasets/fetch.sh)");
}
