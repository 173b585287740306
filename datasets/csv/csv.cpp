// A numeric CSV table per split: every column but the label is a feature.
#include <filesystem>
#include <string>

#include <pulab/dataset_source.hpp>
#include <pulab/plugin.hpp>
#include <pulab/readers.hpp>

namespace {
namespace fs = std::filesystem;

class CsvSource final : public pulab::DatasetSource {
 public:
  static pulab::Schema schema() {
    return {
        pulab::param::text("path", "", "the training table (required); relative paths are tried "
                                       "from the working directory, then from the data dir"),
        pulab::param::text("test_path", "", "the test table (required), same columns as path"),
        pulab::param::text("label_column", "",
                           "the label column: a header name or a 0-based index; empty = last column"),
        pulab::param::text("delimiter", ",", "the field separator: one character, or \"\\t\" / \"tab\""),
        pulab::param::text("header", "auto",
                           "auto: the first row is a header when it has a non-numeric field")
            .one_of({"auto", "yes", "no"}),
        pulab::param::text("normalize", "none",
                           "none: features as read; standardize: per column, subtract the train "
                           "mean, divide by the train std (applied to train and test)")
            .one_of({"none", "standardize"}),
    };
  }

  CsvSource(const pulab::Params& p, const pulab::BuildContext& ctx)
      : data_dir_(ctx.data_dir), standardize_(p.text("normalize") == "standardize") {
    path_ = p.text("path");
    test_path_ = p.text("test_path");
    if (path_.empty()) throw pulab::ConfigError("path is required: the training CSV file");
    if (test_path_.empty()) throw pulab::ConfigError("test_path is required: the test CSV file");
    options_.label_column = p.text("label_column");
    const std::string& delimiter = p.text("delimiter");
    if (delimiter == "\\t" || delimiter == "tab") {
      options_.delimiter = '\t';
    } else if (delimiter.size() == 1) {
      options_.delimiter = delimiter[0];
    } else {
      throw pulab::ConfigError("delimiter must be one character (or \"\\t\" / \"tab\"), got '" +
                               delimiter + "'");
    }
    const std::string& header = p.text("header");
    options_.header = header == "yes" ? 1 : header == "no" ? 0 : -1;
  }

  pulab::LabeledData load() override {
    const fs::path train_file = resolve(path_);
    const fs::path test_file = resolve(test_path_);
    pulab::LabeledData data;
    data.train = pulab::read_csv(train_file, options_);
    data.test = pulab::read_csv(test_file, options_);
    if (data.train.x.size(1) != data.test.x.size(1)) {
      throw pulab::DataError(test_file.string() + ": " + std::to_string(data.test.x.size(1)) +
                             " feature columns, but " + train_file.string() + " has " +
                             std::to_string(data.train.x.size(1)));
    }
    if (standardize_) pulab::standardize(data.train, data.test);
    data.default_positive_classes = {1};  // the usual positive label of a 0/1 column
    data.files = {train_file.string(), test_file.string()};
    return data;
  }

 private:
  // A relative path missing from the working directory is looked up under the data dir; when
  // neither exists the reader reports the path as given.
  fs::path resolve(const fs::path& path) const {
    std::error_code ec;
    if (path.is_absolute() || fs::exists(path, ec) || data_dir_.empty()) return path;
    const fs::path under_data = fs::path(data_dir_) / path;
    return fs::exists(under_data, ec) ? under_data : path;
  }

  std::string data_dir_;
  fs::path path_;
  fs::path test_path_;
  pulab::CsvOptions options_;
  bool standardize_;
};

}  // namespace

PULAB_PLUGIN("csv", "1.0.0") {
  registrar.add<pulab::DatasetSource, CsvSource>(
      "csv", "a numeric CSV table per split (path, test_path); integer class labels >= 0");
}
