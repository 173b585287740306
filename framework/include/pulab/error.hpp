#pragma once
// Error types. Every error a user can cause says where: a file, a key, a line.
#include <stdexcept>
#include <string>

namespace pulab {

// Base of every error pulab reports to the user as one clear line.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem in an experiment file or a --set override; the message starts with file:line:column.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A plugin library that cannot be loaded; the message names the file.
class PluginError : public Error {
 public:
  using Error::Error;
};

// A missing, corrupt or inconsistent data file; the message names the file.
class DataError : public Error {
 public:
  using Error::Error;
};

// A run that cannot go on (a NaN loss, ...); the message names the run and the epoch.
class TrainingError : public Error {
 public:
  using Error::Error;
};

}  // namespace pulab
