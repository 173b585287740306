// A built-in synthetic data set that needs no download: two classes, each a mixture of Gaussian
// clusters in `dim` dimensions. Class 1 is the default positive class. The data depend only on
// the data set's own `seed`, so every run of an experiment sees the same data.
#include <torch/torch.h>

#include <pulab/dataset_source.hpp>
#include <pulab/plugin.hpp>

namespace {

class Synthetic final : public pulab::DatasetSource {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integer("dim", 20, "number of features").range(1, 100000),
            pulab::param::integer("n_train", 6000, "training instances").range(10, 100000000),
            pulab::param::integer("n_test", 2000, "test instances").range(1, 100000000),
            pulab::param::integer("clusters", 2, "Gaussian clusters per class").range(1, 1000),
            pulab::param::real("positive_fraction", 0.5, "share of class 1").range(0.01, 0.99),
            pulab::param::real("separation", 6.0, "distance scale between cluster means").range(0, 1000),
            pulab::param::integer("seed", 0, "seed of the data (independent of train.seed)").at_least(0)};
  }
  explicit Synthetic(const pulab::Params& p)
      : dim_(p.integer("dim")), n_train_(p.integer("n_train")), n_test_(p.integer("n_test")),
        clusters_(p.integer("clusters")), positive_fraction_(p.real("positive_fraction")),
        separation_(p.real("separation")), seed_(static_cast<std::uint64_t>(p.integer("seed"))) {}

  pulab::LabeledData load() override {
    auto gen = at::detail::createCPUGenerator(seed_);
    // Cluster means on a sphere of radius separation/2, one set per class.
    auto means = torch::randn({2, clusters_, dim_}, gen);
    means = means / means.norm(2, -1, true) * (separation_ / 2.0);
    pulab::LabeledData data;
    data.train = sample(means, n_train_, gen);
    data.test = sample(means, n_test_, gen);
    data.default_positive_classes = {1};
    return data;
  }

 private:
  pulab::LabeledSet sample(const torch::Tensor& means, std::int64_t n, at::Generator& gen) const {
    auto y = (torch::rand({n}, gen) < positive_fraction_).to(torch::kLong);
    auto cluster = torch::randint(clusters_, {n}, gen, torch::TensorOptions().dtype(torch::kLong));
    auto centers = means.index({y, cluster});
    auto x = centers + torch::randn({n, dim_}, gen);
    return {x.to(torch::kFloat).contiguous(), y};
  }

  std::int64_t dim_, n_train_, n_test_, clusters_;
  double positive_fraction_, separation_;
  std::uint64_t seed_;
};

}  // namespace

PULAB_PLUGIN("synthetic", "1.0.0") {
  registrar.add<pulab::DatasetSource, Synthetic>("synthetic", "two classes of Gaussian clusters; no download needed");
}
