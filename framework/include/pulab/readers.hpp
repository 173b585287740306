#pragma once
// Readers for the data formats dataset plugins load: IDX (MNIST-style), CIFAR-10 binary
// batches, CSV; plus SHA-256 checksums. Every failure throws pulab::DataError whose
// message starts with the offending file's path and says what is wrong.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pulab/dataset_source.hpp"
#include "pulab/error.hpp"

namespace pulab {

// The whole content of a file; gzip files (detected by their magic bytes, not their name)
// are decompressed.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file);

// IDX image file (magic 0x00000803): float32 contiguous [N, 1, H, W] in [0, 1].
// A non-empty expected_sha256 is checked against the (decompressed) content first.
torch::Tensor read_idx_images(const std::filesystem::path& file,
                              const std::string& expected_sha256 = {});

// IDX label file (magic 0x00000801): int64 [N]; every label must be < num_classes.
torch::Tensor read_idx_labels(const std::filesystem::path& file, std::int64_t num_classes,
                              const std::string& expected_sha256 = {});

// Throws unless the images file and the labels file hold as many records.
void check_same_count(const std::filesystem::path& images_file, const torch::Tensor& images,
                      const std::filesystem::path& labels_file, const torch::Tensor& labels);

// CIFAR-10 binary batches (records of 1 label byte + 3072 pixel bytes, R then G then B planes):
// x float32 [N, 3, 32, 32] in [0, 1], y int64 [N] in 0..9, files concatenated in order.
// expected_sha256 is empty (no check) or has one entry per file (an empty entry skips that file).
LabeledSet read_cifar10_batches(const std::vector<std::filesystem::path>& files,
                                const std::vector<std::string>& expected_sha256 = {});

struct CsvOptions {
  std::string label_column;  // a column name, or a 0-based index as text; empty = last column
  char delimiter = ',';
  int header = -1;           // -1 auto-detect (first row has a non-numeric field), 0 no, 1 yes
};

// A numeric table: x float32 [N, F] (every column but the label), y int64 [N] (integers >= 0).
// Blank lines are skipped; a malformed row is reported as file:line with the column.
LabeledSet read_csv(const std::filesystem::path& file, const CsvOptions& options);

// Lower-case hex SHA-256 of a file's bytes as stored (no decompression).
std::string sha256_file(const std::filesystem::path& file);

// Lower-case hex SHA-256 of a buffer.
std::string sha256_hex(const void* data, std::size_t size);

// Reads a sha256sum-format list ("HASH  relative/path" per line) into relative path -> hash.
// A missing list gives an empty map: installed builds may not ship it, fetch.sh verified.
std::map<std::string, std::string> read_checksums(const std::filesystem::path& list);

// The checksum list this build was configured with (PULAB_CHECKSUMS_FILE when pulab_core was
// compiled, i.e. the source tree's datasets/checksums.txt); empty when none was given.
std::filesystem::path default_checksums_file();

// Standardizes x of both sets with the mean and std of train's x, per index of dimension 1
// (the channel of images, the column of tables). A constant slice keeps std 1.
void standardize(LabeledSet& train, LabeledSet& test);

}  // namespace pulab
