// Test guest: allocates 64 MiB through new and through malloc, writes and checks a pattern,
// and checks that memory handed back out after free reads as zero when calloc'd.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {
constexpr size_t kSize = 64u << 20;

bool fill_and_check(uint64_t* words, size_t count, uint64_t salt) {
  for (size_t i = 0; i < count; ++i) words[i] = i * 0x9E3779B97F4A7C15ull + salt;
  for (size_t i = 0; i < count; ++i) {
    if (words[i] != i * 0x9E3779B97F4A7C15ull + salt) return false;
  }
  return true;
}
}  // namespace

int main() {
  auto from_new = std::make_unique<uint64_t[]>(kSize / 8);
  if (!fill_and_check(from_new.get(), kSize / 8, 1)) return 10;
  std::printf("new: 64 MiB ok\n");

  auto* from_malloc = static_cast<uint64_t*>(std::malloc(kSize));
  if (from_malloc == nullptr) return 11;
  if (!fill_and_check(from_malloc, kSize / 8, 2)) return 12;
  std::printf("malloc: 64 MiB ok\n");
  std::free(from_malloc);

  // The freed pages come back through mmap: calloc must see zeros.
  auto* zeroed = static_cast<uint64_t*>(std::calloc(kSize / 8, 8));
  if (zeroed == nullptr) return 13;
  for (size_t i = 0; i < kSize / 8; ++i) {
    if (zeroed[i] != 0) return 14;
  }
  std::printf("calloc after free: zeroed ok\n");
  std::free(zeroed);

  // Many small allocations through brk.
  std::vector<std::unique_ptr<char[]>> small;
  for (int i = 0; i < 10000; ++i) {
    small.emplace_back(new char[100]);
    std::memset(small.back().get(), i & 0xff, 100);
  }
  for (int i = 0; i < 10000; ++i) {
    if (small[i][99] != static_cast<char>(i & 0xff)) return 15;
  }
  std::printf("small: ok\n");
  return 0;
}
