#pragma once
// DatasetSource: loads a labeled multi-class data set (train and test). The host turns it into
// a binary PU problem (positive classes, split protocol, labeling mechanism).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pulab {

struct LabeledSet {
  torch::Tensor x;  // float32, contiguous, [n, features...]
  torch::Tensor y;  // int64 class labels, [n]
};

struct LabeledData {
  LabeledSet train;
  LabeledSet test;
  std::vector<std::int64_t> default_positive_classes;  // used when the experiment names none
  std::vector<std::string> files;                        // what was read, for the result file
};

class DatasetSource {
 public:
  virtual ~DatasetSource();

  virtual LabeledData load() = 0;
};

}  // namespace pulab
