#include "scale/shard.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "pulab/error.hpp"

namespace pulab::scale {

namespace {

bool parse_count(const std::string& s, std::size_t& out) {
  if (s.empty() || s.size() > 9) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard shard;
  if (slash == std::string::npos || !parse_count(text.substr(0, slash), shard.index) ||
      !parse_count(text.substr(slash + 1), shard.count)) {
    throw Error("--shard " + text + ": expected K/N with whole numbers, e.g. --shard 0/4 (K counts from 0)");
  }
  if (shard.count == 0) throw Error("--shard " + text + ": N must be at least 1");
  if (shard.index >= shard.count) {
    throw Error(fmt::format("--shard {}: K must be between 0 and {} (shards count from 0; the last of {} is {}/{})", text,
                            shard.count - 1, shard.count, shard.count - 1, shard.count));
  }
  return shard;
}

bool in_shard(std::size_t run_index, const Shard& shard) { return run_index % shard.count == shard.index; }

std::vector<std::size_t> shard_indices(std::size_t total, const Shard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = shard.index; i < total; i += shard.count) out.push_back(i);
  return out;
}

std::string plan_hash(const std::vector<std::string>& run_ids) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bit
  auto add = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (const auto& id : run_ids) {
    for (unsigned char c : id) add(c);
    add(0);
  }
  return fmt::format("{:016x}", h);
}

std::string array_spec(const std::vector<std::size_t>& indices, std::size_t max_parallel) {
  std::string out;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? std::to_string(indices[i]) : fmt::format("{}-{}", indices[i], indices[j]);
    i = j + 1;
  }
  if (max_parallel > 0) out += "%" + std::to_string(max_parallel);
  return out;
}

}  // namespace pulab::scale
