#pragma once
// Configuration keys added after result files were first written, each with the value that
// reproduces the older behaviour. A stored configuration without such a key stands for that value:
// the stale check and `--reuse-from` compare configurations without them (so results and
// checkpoints from before a key existed stay valid after an upgrade), and `pulab report` reads
// them into older runs (so `--rows train.precision` puts a 0.1 run under `precision-float32`,
// not `(none)`).
#include <nlohmann/json.hpp>

namespace pulab {

// The configuration without every key added later that holds its legacy value (a whole table
// added later is dropped when it equals its legacy value).
nlohmann::json without_keys_at_legacy_values(nlohmann::json config);

// The configuration with every key added later that it lacks set to its legacy value: a key only
// where its table exists (a regularizer's key only in runs that have the regularizer), a whole
// table where it is missing.
nlohmann::json with_keys_added_later(nlohmann::json config);

}  // namespace pulab
