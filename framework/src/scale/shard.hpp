#pragma once
// Sharding a sweep: `pulab run FILE --shard K/N` runs the runs whose plan index i (the `#` column
// of `pulab plan`, the order of expand_sweep) has i % N == K. K is 0-based, so a SLURM array
// `--array=0-(N-1)` passes its task id unchanged. Round-robin rather than contiguous blocks: a
// sweep's last axis varies fastest, so neighbouring runs tend to cost alike and each shard gets a
// mix. No LibTorch here.
#include <cstddef>
#include <string>
#include <vector>

namespace pulab::scale {

struct Shard {
  std::size_t index = 0;  // K, 0-based
  std::size_t count = 1;  // N
};

// Parses "K/N" (0 <= K < N); throws pulab::Error with a message saying what is wrong.
Shard parse_shard(const std::string& text);

bool in_shard(std::size_t run_index, const Shard& shard);

// The plan indices of `total` runs that belong to `shard`, in increasing order.
std::vector<std::size_t> shard_indices(std::size_t total, const Shard& shard);

// A short fingerprint (16 hex digits) of a sweep's run ids in plan order: a job array written for
// one plan refuses to run another (the experiment file or its --set changed in between).
std::string plan_hash(const std::vector<std::string>& run_ids);

// The compact SLURM form of a set of array indices with an optional throttle: "0-3,7,9-10%4".
std::string array_spec(const std::vector<std::size_t>& indices, std::size_t max_parallel = 0);

}  // namespace pulab::scale
