// Batch samplers: `joint` (Algorithm 1, the default) and `stratified` (fixed P and U per batch).
#include <pulab/plugin.hpp>

#include "samplers.hpp"

PULAB_PLUGIN("samplers", "1.0.0") {
  registrar.add<pulab::BatchSampler, pulab_samplers::JointSampler>(
      "joint", "Algorithm 1: shuffle P u U each epoch, cut into batches of train.batch_size (the default)");
  registrar.add<pulab::BatchSampler, pulab_samplers::StratifiedSampler>(
      "stratified", "fixed numbers of P and U per batch (p_share), one pass over U per epoch");
}
