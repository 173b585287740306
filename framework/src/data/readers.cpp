#include "pulab/readers.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

namespace pulab {
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;
constexpr std::size_t kCifarRecord = 1 + 3 * 32 * 32;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw DataError(file.string() + ": " + what);
}

void require_regular_file(const fs::path& file) {
  std::error_code ec;
  auto status = fs::status(file, ec);
  if (!fs::exists(status)) fail(file, "file not found");
  if (fs::is_directory(status)) fail(file, "is a directory, expected a file");
}

std::vector<std::uint8_t> read_raw(const fs::path& file) {
  require_regular_file(file);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, std::string("cannot open: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) fail(file, "cannot determine the file size");
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    fail(file, "read error");
  }
  return bytes;
}

std::vector<std::uint8_t> gunzip(const fs::path& file, const std::vector<std::uint8_t>& gz) {
  // The trailer's ISIZE (size mod 2^32) is a good first guess of the output size.
  std::size_t guess = gz.size() * 4;
  if (gz.size() >= 18) {
    const std::uint8_t* t = gz.data() + gz.size() - 4;
    const std::size_t isize = std::uint32_t(t[0]) | std::uint32_t(t[1]) << 8 |
                              std::uint32_t(t[2]) << 16 | std::uint32_t(t[3]) << 24;
    // A truncated file's "trailer" is arbitrary data: never trust more than deflate's ratio.
    guess = std::max(guess, std::min(isize, gz.size() * 1032));
  }
  std::vector<std::uint8_t> out(guess + 1);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(file, "cannot initialize zlib");
  std::unique_ptr<z_stream, int (*)(z_streamp)> guard(&zs, inflateEnd);
  zs.next_in = const_cast<Bytef*>(gz.data());
  std::size_t in_left = gz.size();
  std::size_t produced = 0;
  for (;;) {
    if (produced == out.size()) out.resize(out.size() * 2);
    const auto in_chunk = static_cast<uInt>(std::min<std::size_t>(in_left, 1u << 30));
    const auto out_chunk = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, 1u << 30));
    zs.avail_in = in_chunk;
    zs.next_out = out.data() + produced;
    zs.avail_out = out_chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_left -= in_chunk - zs.avail_in;
    produced += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members form one stream (what `cat a.gz b.gz` produces).
      if (in_left == 0) break;
      if (inflateReset(&zs) != Z_OK) fail(file, "corrupt gzip data");
      continue;
    }
    if (rc == Z_BUF_ERROR && in_left == 0 && zs.avail_out != 0) {
      fail(file, "truncated gzip data (the compressed stream ends early)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(file, std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "zlib error") + ")");
    }
  }
  out.resize(produced);
  return out;
}

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

void check_magic(const fs::path& file, std::uint32_t found, std::uint32_t expected, const char* kind) {
  if (found == expected) return;
  std::string what = "wrong magic number " + hex32(found) + ", expected " + hex32(expected) +
                     " (an IDX " + kind + " file)";
  if (found == kIdxImagesMagic) what += "; this is an IDX image file";
  if (found == kIdxLabelsMagic) what += "; this is an IDX label file";
  fail(file, what);
}

void check_sha256(const fs::path& file, const std::vector<std::uint8_t>& bytes,
                  const std::string& expected) {
  if (expected.empty()) return;
  const std::string actual = sha256_hex(bytes.data(), bytes.size());
  std::string want = expected;
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return std::tolower(c); });
  if (actual != want) {
    fail(file, "checksum mismatch: SHA-256 of the content is " + actual + ", expected " + want +
                   "; the file is corrupt or a different version: delete it and fetch it again");
  }
}

// Checks that `count` records of `record` bytes each follow a header of `header` bytes.
void check_size(const fs::path& file, std::size_t size, std::size_t header, std::uint64_t count,
                std::uint64_t record, const std::string& what) {
  const std::uint64_t body = size - header;
  if (record != 0 && count > body / record) {
    fail(file, "truncated: the header promises " + std::to_string(count) + " " + what + " (" +
                   std::to_string(count) + " x " + std::to_string(record) + " bytes) but only " +
                   std::to_string(body) + " bytes follow the header");
  }
  if (count * record != body) {
    fail(file, std::to_string(body - count * record) + " unexpected bytes after the " +
                   std::to_string(count) + " " + what + " the header announces");
  }
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string unquote(const std::string& s) {
  std::string t = trim(s);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  return t;
}

// A number as from_chars reads it (locale-independent), also allowing a leading '+'.
bool parse_number(const std::string& field, double& value) {
  const std::string t = unquote(field);
  const char* b = t.data();
  const char* e = t.data() + t.size();
  if (b != e && *b == '+') ++b;
  if (b == e) return false;
  auto [ptr, ec] = std::from_chars(b, e, value);
  return ec == std::errc() && ptr == e;
}

std::vector<std::string> split(const std::string& line, char delimiter) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = line.find(delimiter, start);
    if (pos == std::string::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, pos - start));
    start = pos + 1;
  }
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const fs::path& file) {
  auto bytes = read_raw(file);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(file, bytes);
  return bytes;
}

torch::Tensor read_idx_images(const fs::path& file, const std::string& expected_sha256) {
  auto bytes = read_file_bytes(file);
  if (bytes.size() >= 4) check_magic(file, big_endian_u32(bytes.data()), kIdxImagesMagic, "image");
  if (bytes.size() < 16) {
    fail(file, "truncated: " + std::to_string(bytes.size()) +
                   " bytes, fewer than the 16-byte header of an IDX image file");
  }
  check_sha256(file, bytes, expected_sha256);
  const std::uint64_t n = big_endian_u32(bytes.data() + 4);
  const std::uint64_t h = big_endian_u32(bytes.data() + 8);
  const std::uint64_t w = big_endian_u32(bytes.data() + 12);
  if (h == 0 || w == 0) fail(file, "image size " + std::to_string(h) + "x" + std::to_string(w) + " is empty");
  check_size(file, bytes.size(), 16, n, h * w, "images of " + std::to_string(h) + "x" + std::to_string(w));
  // One conversion op: uint8 view of the buffer -> new float32 tensor, scaled in place.
  auto raw = torch::from_blob(bytes.data() + 16,
                              {static_cast<std::int64_t>(n), 1, static_cast<std::int64_t>(h),
                               static_cast<std::int64_t>(w)},
                              torch::kUInt8);
  auto x = raw.to(torch::kFloat32);
  x.div_(255.0f);
  return x;
}

torch::Tensor read_idx_labels(const fs::path& file, std::int64_t num_classes,
                              const std::string& expected_sha256) {
  auto bytes = read_file_bytes(file);
  if (bytes.size() >= 4) check_magic(file, big_endian_u32(bytes.data()), kIdxLabelsMagic, "label");
  if (bytes.size() < 8) {
    fail(file, "truncated: " + std::to_string(bytes.size()) +
                   " bytes, fewer than the 8-byte header of an IDX label file");
  }
  check_sha256(file, bytes, expected_sha256);
  const std::uint64_t n = big_endian_u32(bytes.data() + 4);
  check_size(file, bytes.size(), 8, n, 1, "labels");
  for (std::uint64_t i = 0; i < n; ++i) {
    const int label = bytes[8 + i];
    if (label >= num_classes) {
      fail(file, "label " + std::to_string(label) + " of record " + std::to_string(i) +
                     " is out of range (expected 0.." + std::to_string(num_classes - 1) + ")");
    }
  }
  return torch::from_blob(bytes.data() + 8, {static_cast<std::int64_t>(n)}, torch::kUInt8)
      .to(torch::kInt64);
}

void check_same_count(const fs::path& images_file, const torch::Tensor& images,
                      const fs::path& labels_file, const torch::Tensor& labels) {
  if (images.size(0) != labels.size(0)) {
    fail(images_file, "holds " + std::to_string(images.size(0)) + " images but " +
                          labels_file.string() + " holds " + std::to_string(labels.size(0)) +
                          " labels");
  }
}

LabeledSet read_cifar10_batches(const std::vector<fs::path>& files,
                                const std::vector<std::string>& expected_sha256) {
  if (files.empty()) throw DataError("CIFAR-10: no batch files given");
  if (!expected_sha256.empty() && expected_sha256.size() != files.size()) {
    throw DataError("CIFAR-10: " + std::to_string(expected_sha256.size()) + " checksums for " +
                    std::to_string(files.size()) + " files");
  }
  std::vector<std::vector<std::uint8_t>> contents;
  std::size_t total = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    auto bytes = read_file_bytes(files[f]);
    if (bytes.empty()) fail(files[f], "empty file, expected CIFAR-10 records of 3073 bytes");
    if (bytes.size() % kCifarRecord != 0) {
      fail(files[f], "size " + std::to_string(bytes.size()) +
                         " bytes is not a multiple of the 3073-byte CIFAR-10 record (" +
                         std::to_string(bytes.size() / kCifarRecord) + " records and " +
                         std::to_string(bytes.size() % kCifarRecord) +
                         " extra bytes: truncated or not a CIFAR-10 binary batch)");
    }
    if (!expected_sha256.empty()) check_sha256(files[f], bytes, expected_sha256[f]);
    for (std::size_t r = 0; r < bytes.size() / kCifarRecord; ++r) {
      const int label = bytes[r * kCifarRecord];
      if (label > 9) {
        fail(files[f], "label " + std::to_string(label) + " of record " + std::to_string(r) +
                           " is out of range (expected 0..9)");
      }
    }
    total += bytes.size() / kCifarRecord;
    contents.push_back(std::move(bytes));
  }
  auto pixels = torch::empty({static_cast<std::int64_t>(total), 3, 32, 32}, torch::kUInt8);
  auto labels = torch::empty({static_cast<std::int64_t>(total)}, torch::kInt64);
  auto* px = pixels.data_ptr<std::uint8_t>();
  auto* lb = labels.data_ptr<std::int64_t>();
  std::size_t i = 0;
  for (const auto& bytes : contents) {
    for (std::size_t r = 0; r < bytes.size() / kCifarRecord; ++r, ++i) {
      lb[i] = bytes[r * kCifarRecord];
      std::memcpy(px + i * (kCifarRecord - 1), bytes.data() + r * kCifarRecord + 1, kCifarRecord - 1);
    }
  }
  auto x = pixels.to(torch::kFloat32);
  x.div_(255.0f);
  return {x, labels};
}

LabeledSet read_csv(const fs::path& file, const CsvOptions& options) {
  const auto bytes = read_raw(file);
  const std::string text(bytes.begin(), bytes.end());
  const std::string where = file.string() + ":";

  // Rows with their 1-based line numbers; blank lines are skipped.
  std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (trim(line).empty()) continue;
    rows.emplace_back(line_no, split(line, options.delimiter));
  }
  if (rows.empty()) fail(file, "no rows (empty CSV file)");

  bool has_header = options.header == 1;
  if (options.header == -1) {
    double v;
    has_header = std::any_of(rows[0].second.begin(), rows[0].second.end(),
                             [&](const std::string& f) { return !parse_number(f, v); });
  }
  const std::size_t columns = rows[0].second.size();
  std::vector<std::string> names;
  if (has_header) {
    for (const auto& f : rows[0].second) names.push_back(unquote(f));
  }
  auto column_name = [&](std::size_t c) {
    return names.empty() ? "column " + std::to_string(c)
                         : "column " + std::to_string(c) + " ('" + names[c] + "')";
  };

  if (columns < 2) {
    fail(file, "line " + std::to_string(rows[0].first) + " has " + std::to_string(columns) +
                   " field(s) with delimiter '" + std::string(1, options.delimiter) +
                   "'; a label and at least one feature column are needed (wrong delimiter?)");
  }
  std::size_t label = columns - 1;
  const std::string& wanted = options.label_column;
  if (!wanted.empty()) {
    auto by_name = std::find(names.begin(), names.end(), wanted);
    if (by_name != names.end()) {
      label = static_cast<std::size_t>(by_name - names.begin());
    } else if (all_digits(wanted)) {
      if (wanted.size() > 9 || std::stoul(wanted) >= columns) {
        fail(file, "label_column " + wanted + " is out of range: the file has " +
                       std::to_string(columns) + " columns (0-based indices 0.." +
                       std::to_string(columns - 1) + ")");
      }
      label = std::stoul(wanted);
    } else if (names.empty()) {
      fail(file, "label_column '" + wanted +
                     "' is a column name but the file has no header row; give a 0-based index");
    } else {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      fail(file, "no column named '" + wanted + "' in the header (columns: " + list + ")");
    }
  }

  const std::size_t first = has_header ? 1 : 0;
  const std::size_t n = rows.size() - first;
  if (n == 0) fail(file, "no data rows after the header");
  const std::size_t features = columns - 1;
  std::vector<float> x(n * features);
  std::vector<std::int64_t> y(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto& [line, fields] = rows[first + r];
    const std::string at = where + std::to_string(line) + ": ";
    if (fields.size() != columns) {
      throw DataError(at + "expected " + std::to_string(columns) + " fields, found " +
                      std::to_string(fields.size()));
    }
    std::size_t k = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      double v;
      if (!parse_number(fields[c], v)) {
        throw DataError(at + column_name(c) + ": '" + trim(fields[c]) + "' is not a number");
      }
      if (!std::isfinite(v)) {
        throw DataError(at + column_name(c) + ": '" + trim(fields[c]) + "' is not a finite number");
      }
      if (c == label) {
        if (v < 0 || v != std::floor(v) || v > 9.0e15) {
          throw DataError(at + column_name(c) + ": label '" + trim(fields[c]) +
                          "' is not an integer >= 0");
        }
        y[r] = static_cast<std::int64_t>(v);
      } else {
        x[r * features + k++] = static_cast<float>(v);
      }
    }
  }
  auto xt = torch::from_blob(x.data(), {static_cast<std::int64_t>(n), static_cast<std::int64_t>(features)},
                             torch::kFloat32)
                .clone();
  auto yt = torch::from_blob(y.data(), {static_cast<std::int64_t>(n)}, torch::kInt64).clone();
  return {xt, yt};
}

std::string sha256_hex(const void* data, std::size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data, size, digest, &length, EVP_sha256(), nullptr) != 1) {
    throw DataError("SHA-256: OpenSSL digest failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_file(const fs::path& file) {
  require_regular_file(file);
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, std::string("cannot open: ") + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    fail(file, "SHA-256: OpenSSL digest initialization failed");
  }
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (!in.eof()) fail(file, "read error");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) fail(file, "SHA-256: OpenSSL digest failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::map<std::string, std::string> read_checksums(const fs::path& list) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(list, ec)) return out;
  std::ifstream in(list);
  if (!in) fail(list, "cannot open the checksum list");
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    // sha256sum format: 64 hex digits, a space, then ' ' (text) or '*' (binary), then the path.
    const bool hex_ok = line.size() > 66 && std::all_of(line.begin(), line.begin() + 64, [](unsigned char c) {
                          return std::isxdigit(c);
                        });
    if (!hex_ok || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      throw DataError(list.string() + ":" + std::to_string(line_no) +
                      ": not a sha256sum line (expected 'HASH  path')");
    }
    std::string hash = line.substr(0, 64);
    std::transform(hash.begin(), hash.end(), hash.begin(), [](unsigned char c) { return std::tolower(c); });
    out[line.substr(66)] = hash;
  }
  return out;
}

fs::path default_checksums_file() {
#ifdef PULAB_CHECKSUMS_FILE
  return fs::path(PULAB_CHECKSUMS_FILE);
#else
  return {};
#endif
}

void standardize(LabeledSet& train, LabeledSet& test) {
  if (train.x.dim() < 2 || train.x.size(0) < 2) {
    throw DataError("standardize: needs at least 2 training samples with a feature dimension");
  }
  std::vector<std::int64_t> reduce{0};
  for (std::int64_t d = 2; d < train.x.dim(); ++d) reduce.push_back(d);
  auto mean = train.x.mean(reduce, /*keepdim=*/true);
  auto std = train.x.std(reduce, /*unbiased=*/false, /*keepdim=*/true);
  std = torch::where(std > 0, std, torch::ones_like(std));
  train.x = ((train.x - mean) / std).contiguous();
  test.x = ((test.x - mean) / std).contiguous();
}

}  // namespace pulab
