// Tests of the data readers: small files written to a temp dir, plus the real MNIST and
// FashionMNIST files when datasets/fetch.sh has put them in $PULAB_DATA (or ./data).
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "pulab/readers.hpp"

namespace fs = std::filesystem;
using pulab::DataError;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("pulab_readers_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

using Bytes = std::vector<std::uint8_t>;

void write_file(const fs::path& file, const Bytes& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

void put_u32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

Bytes idx_images(std::uint32_t n, std::uint32_t h, std::uint32_t w) {
  Bytes b;
  put_u32(b, 0x00000803);
  put_u32(b, n);
  put_u32(b, h);
  put_u32(b, w);
  for (std::uint32_t i = 0; i < n * h * w; ++i) b.push_back(static_cast<std::uint8_t>((i * 37) % 256));
  return b;
}

Bytes idx_labels(const Bytes& labels) {
  Bytes b;
  put_u32(b, 0x00000801);
  put_u32(b, static_cast<std::uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

std::uint32_t crc32(const Bytes& data) {
  std::uint32_t crc = 0xffffffffu;
  for (auto byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A gzip file made of stored (uncompressed) deflate blocks: no zlib needed to write it.
Bytes gzip_stored(const Bytes& data) {
  Bytes g{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    g.push_back(last ? 1 : 0);
    g.push_back(static_cast<std::uint8_t>(len));
    g.push_back(static_cast<std::uint8_t>(len >> 8));
    g.push_back(static_cast<std::uint8_t>(~len));
    g.push_back(static_cast<std::uint8_t>(~len >> 8));
    g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
             data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data);
  const auto size = static_cast<std::uint32_t>(data.size());
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(crc >> s));
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(size >> s));
  return g;
}

// Runs f, expects a DataError, returns its message.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG EXCEPTION TYPE: ") + e.what();
  }
  return "NO EXCEPTION";
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

}  // namespace

// ---------- IDX ----------

TEST(IdxImages, RawRoundTrip) {
  TempDir dir;
  const Bytes file = idx_images(3, 2, 4);
  write_file(dir / "img", file);
  auto x = pulab::read_idx_images(dir / "img");
  ASSERT_EQ(x.sizes(), (std::vector<std::int64_t>{3, 1, 2, 4}));
  EXPECT_EQ(x.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(x.is_contiguous());
  const float* p = x.data_ptr<float>();
  for (std::size_t i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(p[i], file[16 + i] / 255.0f);
}

TEST(IdxImages, GzipRoundTripDetectedByMagicNotName) {
  TempDir dir;
  const Bytes raw = idx_images(5, 28, 28);  // > 65535 bytes: several stored blocks
  write_file(dir / "plain-name-no-gz-suffix", gzip_stored(raw));
  write_file(dir / "raw", raw);
  auto x = pulab::read_idx_images(dir / "plain-name-no-gz-suffix");
  auto y = pulab::read_idx_images(dir / "raw");
  ASSERT_EQ(x.sizes(), (std::vector<std::int64_t>{5, 1, 28, 28}));
  EXPECT_TRUE(torch::equal(x, y));
}

TEST(IdxImages, TruncatedGzip) {
  TempDir dir;
  Bytes gz = gzip_stored(idx_images(2, 4, 4));
  gz.resize(gz.size() - 20);
  write_file(dir / "cut.gz", gz);
  const auto msg = error_of([&] { pulab::read_idx_images(dir / "cut.gz"); });
  EXPECT_TRUE(starts_with(msg, (dir / "cut.gz").string())) << msg;
  EXPECT_CONTAINS(msg, "truncated gzip");
}

TEST(IdxImages, Truncated) {
  TempDir dir;
  Bytes b = idx_images(3, 2, 2);
  b.resize(b.size() - 1);
  write_file(dir / "img", b);
  const auto msg = error_of([&] { pulab::read_idx_images(dir / "img"); });
  EXPECT_TRUE(starts_with(msg, (dir / "img").string())) << msg;
  EXPECT_CONTAINS(msg, "truncated");
  EXPECT_CONTAINS(msg, "3 images");
}

TEST(IdxImages, ShorterThanHeader) {
  TempDir dir;
  write_file(dir / "img", Bytes{0, 0, 8, 3, 0});
  EXPECT_CONTAINS(error_of([&] { pulab::read_idx_images(dir / "img"); }), "truncated");
}

TEST(IdxImages, TrailingBytes) {
  TempDir dir;
  Bytes b = idx_images(2, 2, 2);
  b.push_back(0);
  write_file(dir / "img", b);
  EXPECT_CONTAINS(error_of([&] { pulab::read_idx_images(dir / "img"); }), "1 unexpected bytes");
}

TEST(IdxImages, WrongMagic) {
  TempDir dir;
  write_file(dir / "labels", idx_labels({1, 2, 3}));
  const auto msg = error_of([&] { pulab::read_idx_images(dir / "labels"); });
  EXPECT_TRUE(starts_with(msg, (dir / "labels").string())) << msg;
  EXPECT_CONTAINS(msg, "wrong magic number 0x00000801");
  EXPECT_CONTAINS(msg, "label file");
}

TEST(IdxImages, MissingFile) {
  TempDir dir;
  const auto msg = error_of([&] { pulab::read_idx_images(dir / "nope"); });
  EXPECT_TRUE(starts_with(msg, (dir / "nope").string())) << msg;
  EXPECT_CONTAINS(msg, "file not found");
}

TEST(IdxImages, ChecksumMismatch) {
  TempDir dir;
  const Bytes raw = idx_images(2, 3, 3);
  write_file(dir / "img", raw);
  write_file(dir / "img.gz", gzip_stored(raw));
  const std::string good = pulab::sha256_hex(raw.data(), raw.size());
  EXPECT_NO_THROW(pulab::read_idx_images(dir / "img", good));
  EXPECT_NO_THROW(pulab::read_idx_images(dir / "img.gz", good));  // checks the decompressed content
  const auto msg = error_of([&] { pulab::read_idx_images(dir / "img", std::string(64, '0')); });
  EXPECT_TRUE(starts_with(msg, (dir / "img").string())) << msg;
  EXPECT_CONTAINS(msg, "checksum mismatch");
}

TEST(IdxLabels, RoundTrip) {
  TempDir dir;
  write_file(dir / "lab", idx_labels({0, 9, 3, 3}));
  auto y = pulab::read_idx_labels(dir / "lab", 10);
  EXPECT_EQ(y.scalar_type(), torch::kInt64);
  ASSERT_EQ(y.size(0), 4);
  EXPECT_EQ(y[1].item<std::int64_t>(), 9);
  EXPECT_EQ(y[3].item<std::int64_t>(), 3);
}

TEST(IdxLabels, OutOfRange) {
  TempDir dir;
  write_file(dir / "lab", idx_labels({0, 1, 10}));
  const auto msg = error_of([&] { pulab::read_idx_labels(dir / "lab", 10); });
  EXPECT_TRUE(starts_with(msg, (dir / "lab").string())) << msg;
  EXPECT_CONTAINS(msg, "label 10 of record 2 is out of range");
}

TEST(IdxLabels, TruncatedAndWrongMagic) {
  TempDir dir;
  Bytes b = idx_labels({1, 2, 3});
  b.pop_back();
  write_file(dir / "lab", b);
  EXPECT_CONTAINS(error_of([&] { pulab::read_idx_labels(dir / "lab", 10); }), "truncated");
  write_file(dir / "img", idx_images(1, 2, 2));
  EXPECT_CONTAINS(error_of([&] { pulab::read_idx_labels(dir / "img", 10); }), "wrong magic");
}

TEST(IdxLabels, CountMismatchWithImages) {
  TempDir dir;
  write_file(dir / "img", idx_images(3, 2, 2));
  write_file(dir / "lab", idx_labels({1, 2}));
  auto x = pulab::read_idx_images(dir / "img");
  auto y = pulab::read_idx_labels(dir / "lab", 10);
  const auto msg = error_of([&] { pulab::check_same_count(dir / "img", x, dir / "lab", y); });
  EXPECT_TRUE(starts_with(msg, (dir / "img").string())) << msg;
  EXPECT_CONTAINS(msg, "3 images");
  EXPECT_CONTAINS(msg, "2 labels");
}

// ---------- CIFAR-10 ----------

namespace {
Bytes cifar_records(int n, int label_offset = 0) {
  Bytes b;
  for (int r = 0; r < n; ++r) {
    b.push_back(static_cast<std::uint8_t>((r + label_offset) % 10));
    for (int i = 0; i < 3072; ++i) b.push_back(static_cast<std::uint8_t>((r * 7 + i) % 251));
  }
  return b;
}
}  // namespace

TEST(Cifar10, RecordFormat) {
  TempDir dir;
  write_file(dir / "b1.bin", cifar_records(5));
  write_file(dir / "b2.bin", cifar_records(2, 5));
  auto set = pulab::read_cifar10_batches({dir / "b1.bin", dir / "b2.bin"});
  ASSERT_EQ(set.x.sizes(), (std::vector<std::int64_t>{7, 3, 32, 32}));
  EXPECT_EQ(set.x.scalar_type(), torch::kFloat32);
  ASSERT_EQ(set.y.size(0), 7);
  EXPECT_EQ(set.y.scalar_type(), torch::kInt64);
  for (int r = 0; r < 5; ++r) EXPECT_EQ(set.y[r].item<std::int64_t>(), r);
  EXPECT_EQ(set.y[6].item<std::int64_t>(), 6);
  // Record 3, channel G (plane 1), row 4, column 5: pixel byte 1024 + 4 * 32 + 5.
  const int i = 1024 + 4 * 32 + 5;
  EXPECT_FLOAT_EQ(set.x[3][1][4][5].item<float>(), ((3 * 7 + i) % 251) / 255.0f);
  EXPECT_FLOAT_EQ(set.x[0][2][31][31].item<float>(), (3071 % 251) / 255.0f);
}

TEST(Cifar10, BadSize) {
  TempDir dir;
  Bytes b = cifar_records(2);
  b.resize(b.size() - 10);
  write_file(dir / "bad.bin", b);
  const auto msg = error_of([&] { pulab::read_cifar10_batches({dir / "bad.bin"}); });
  EXPECT_TRUE(starts_with(msg, (dir / "bad.bin").string())) << msg;
  EXPECT_CONTAINS(msg, "not a multiple of the 3073-byte");
}

TEST(Cifar10, LabelOutOfRangeAndMissing) {
  TempDir dir;
  Bytes b = cifar_records(3);
  b[3073] = 10;
  write_file(dir / "bad.bin", b);
  EXPECT_CONTAINS(error_of([&] { pulab::read_cifar10_batches({dir / "bad.bin"}); }),
                  "label 10 of record 1 is out of range");
  EXPECT_CONTAINS(error_of([&] { pulab::read_cifar10_batches({dir / "missing.bin"}); }), "file not found");
}

// ---------- CSV ----------

TEST(Csv, HeaderAutoDetectedLabelLast) {
  TempDir dir;
  write_text(dir / "t.csv", "a,b,label\n1,2.5,0\n-3,4e1,1\r\n\n5,+6,2\n");
  auto set = pulab::read_csv(dir / "t.csv", {});
  ASSERT_EQ(set.x.sizes(), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(set.x.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(set.x[1][1].item<float>(), 40.0f);
  EXPECT_FLOAT_EQ(set.x[2][1].item<float>(), 6.0f);
  EXPECT_EQ(set.y[2].item<std::int64_t>(), 2);
  EXPECT_EQ(set.y.scalar_type(), torch::kInt64);
}

TEST(Csv, NoHeaderLabelByIndex) {
  TempDir dir;
  write_text(dir / "t.csv", "1;7;2\n3;8;4\n");
  pulab::CsvOptions opt;
  opt.delimiter = ';';
  opt.label_column = "1";
  auto set = pulab::read_csv(dir / "t.csv", opt);
  ASSERT_EQ(set.x.sizes(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(set.y[0].item<std::int64_t>(), 7);
  EXPECT_FLOAT_EQ(set.x[1][0].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(set.x[1][1].item<float>(), 4.0f);
  opt.header = 1;  // first row forced to be a header
  EXPECT_EQ(pulab::read_csv(dir / "t.csv", opt).x.size(0), 1);
}

TEST(Csv, LabelByName) {
  TempDir dir;
  write_text(dir / "t.csv", "\"cls\",x1,x2\n1,0.5,0.25\n0,1,2\n");
  pulab::CsvOptions opt;
  opt.label_column = "cls";
  auto set = pulab::read_csv(dir / "t.csv", opt);
  EXPECT_EQ(set.y[0].item<std::int64_t>(), 1);
  EXPECT_FLOAT_EQ(set.x[0][1].item<float>(), 0.25f);
  opt.label_column = "nope";
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "t.csv", opt); }), "no column named 'nope'");
  opt.label_column = "7";
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "t.csv", opt); }), "out of range");
}

TEST(Csv, NameWithoutHeader) {
  TempDir dir;
  write_text(dir / "t.csv", "1,2\n3,4\n");
  pulab::CsvOptions opt;
  opt.label_column = "cls";
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "t.csv", opt); }), "no header row");
}

TEST(Csv, MalformedRowNamesFileLineAndColumn) {
  TempDir dir;
  const auto file = dir / "m.csv";
  write_text(file, "a,b,label\n1,2,0\n\n1,oops,1\n");
  auto msg = error_of([&] { pulab::read_csv(file, {}); });
  EXPECT_CONTAINS(msg, file.string() + ":4:");
  EXPECT_CONTAINS(msg, "column 1 ('b')");
  EXPECT_CONTAINS(msg, "'oops' is not a number");

  write_text(file, "1,2,0\n1,2\n");
  msg = error_of([&] { pulab::read_csv(file, {}); });
  EXPECT_CONTAINS(msg, file.string() + ":2:");
  EXPECT_CONTAINS(msg, "expected 3 fields, found 2");

  write_text(file, "1,2,0\n1,2,0.5\n");
  msg = error_of([&] { pulab::read_csv(file, {}); });
  EXPECT_CONTAINS(msg, file.string() + ":2:");
  EXPECT_CONTAINS(msg, "not an integer >= 0");

  write_text(file, "1,2,0\n1,2,-1\n");
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(file, {}); }), "not an integer >= 0");

  write_text(file, "1,nan,0\n");
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(file, {}); }), "not a finite number");

  pulab::CsvOptions opt;
  opt.header = 0;
  write_text(file, "a,b,c\n1,2,3\n");
  msg = error_of([&] { pulab::read_csv(file, opt); });
  EXPECT_CONTAINS(msg, file.string() + ":1:");
  EXPECT_CONTAINS(msg, "column 0");
}

TEST(Csv, EmptyAndMissing) {
  TempDir dir;
  write_text(dir / "e.csv", "\n\n");
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "e.csv", {}); }), "no rows");
  write_text(dir / "h.csv", "a,b\n");
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "h.csv", {}); }), "no data rows");
  EXPECT_CONTAINS(error_of([&] { pulab::read_csv(dir / "x.csv", {}); }), "file not found");
}

// ---------- checksums and standardization ----------

TEST(Sha256, KnownValues) {
  TempDir dir;
  write_text(dir / "abc", "abc");
  EXPECT_EQ(pulab::sha256_file(dir / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(pulab::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_CONTAINS(error_of([&] { pulab::sha256_file(dir / "none"); }), "file not found");
}

TEST(Checksums, ParseList) {
  TempDir dir;
  write_text(dir / "sums.txt", std::string(64, 'A') + "  mnist/a\n" + std::string(64, 'b') + " *x/b\n\n");
  auto sums = pulab::read_checksums(dir / "sums.txt");
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums.at("mnist/a"), std::string(64, 'a'));
  EXPECT_EQ(sums.at("x/b"), std::string(64, 'b'));
  EXPECT_TRUE(pulab::read_checksums(dir / "missing.txt").empty());
  write_text(dir / "bad.txt", "123 foo\n");
  EXPECT_CONTAINS(error_of([&] { pulab::read_checksums(dir / "bad.txt"); }), "bad.txt:1:");
}

TEST(Standardize, UsesTrainStatisticsPerChannel) {
  pulab::LabeledSet train{torch::tensor({1.0f, 3.0f, 5.0f, 5.0f}).reshape({2, 2, 1}),
                          torch::zeros({2}, torch::kInt64)};
  pulab::LabeledSet test{torch::tensor({2.0f, 5.0f}).reshape({1, 2, 1}), torch::zeros({1}, torch::kInt64)};
  pulab::standardize(train, test);
  // Channel 0: {1, 5}, mean 3, std 2. Channel 1: {3, 5}, mean 4, std 1.
  EXPECT_FLOAT_EQ(train.x[0][0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(train.x[1][1][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(test.x[0][0][0].item<float>(), -0.5f);
  EXPECT_FLOAT_EQ(test.x[0][1][0].item<float>(), 1.0f);
}

// ---------- real data (present only after `bash datasets/fetch.sh mnist fashion-mnist`) ----------

namespace {

fs::path source_dir() { return fs::path(__FILE__).parent_path().parent_path(); }

fs::path data_root() {
  if (const char* env = std::getenv("PULAB_DATA"); env && *env) return env;
  return source_dir() / "data";
}

fs::path checksum_list() {
  const fs::path configured = pulab::default_checksums_file();
  return configured.empty() ? source_dir() / "datasets" / "checksums.txt" : configured;
}

std::vector<std::int64_t> histogram(const torch::Tensor& y, int classes) {
  std::vector<std::int64_t> h(classes, 0);
  const auto* p = y.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < y.size(0); ++i) ++h[p[i]];
  return h;
}

void check_real_checksums(const std::string& set) {
  const auto sums = pulab::read_checksums(checksum_list());
  if (sums.empty()) GTEST_SKIP() << "no checksum list at " << checksum_list();
  int checked = 0;
  for (const auto& [key, hash] : sums) {
    if (key.rfind(set + "/", 0) != 0) continue;
    EXPECT_EQ(pulab::sha256_file(data_root() / key), hash) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

}  // namespace

#define SKIP_WITHOUT(set)                                                                          \
  if (!fs::is_directory(data_root() / set))                                                        \
  GTEST_SKIP() << (data_root() / set) << " not found: run `bash datasets/fetch.sh " << set        \
               << "` (and set PULAB_DATA to its --dir)"

// No timing here: a unit test on a shared machine cannot assert a speed (bench/ measures loading).
TEST(RealMnist, CountsAndHistogram) {
  SKIP_WITHOUT("mnist");
  const auto dir = data_root() / "mnist";
  auto x = pulab::read_idx_images(dir / "train-images-idx3-ubyte");
  auto y = pulab::read_idx_labels(dir / "train-labels-idx1-ubyte", 10);
  ASSERT_EQ(x.sizes(), (std::vector<std::int64_t>{60000, 1, 28, 28}));
  ASSERT_EQ(y.size(0), 60000);
  EXPECT_EQ(histogram(y, 10),
            (std::vector<std::int64_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  EXPECT_GE(x.min().item<float>(), 0.0f);
  EXPECT_LE(x.max().item<float>(), 1.0f);
  auto xt = pulab::read_idx_images(dir / "t10k-images-idx3-ubyte");
  auto yt = pulab::read_idx_labels(dir / "t10k-labels-idx1-ubyte", 10);
  EXPECT_EQ(xt.size(0), 10000);
  EXPECT_EQ(yt.size(0), 10000);
}

TEST(RealMnist, Checksums) {
  SKIP_WITHOUT("mnist");
  check_real_checksums("mnist");
}

TEST(RealFashionMnist, Counts) {
  SKIP_WITHOUT("fashion-mnist");
  const auto dir = data_root() / "fashion-mnist";
  auto x = pulab::read_idx_images(dir / "train-images-idx3-ubyte");
  auto y = pulab::read_idx_labels(dir / "train-labels-idx1-ubyte", 10);
  auto xt = pulab::read_idx_images(dir / "t10k-images-idx3-ubyte");
  auto yt = pulab::read_idx_labels(dir / "t10k-labels-idx1-ubyte", 10);
  ASSERT_EQ(x.sizes(), (std::vector<std::int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(xt.size(0), 10000);
  EXPECT_EQ(histogram(y, 10), std::vector<std::int64_t>(10, 6000));
  EXPECT_EQ(histogram(yt, 10), std::vector<std::int64_t>(10, 1000));
}

TEST(RealFashionMnist, Checksums) {
  SKIP_WITHOUT("fashion-mnist");
  check_real_checksums("fashion-mnist");
}
