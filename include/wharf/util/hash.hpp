// SHA-256, the hash behind every verification in wharf (artifacts, cache
// entries, installed files, manifest inputs). Backed by GNU Nettle, which
// stays in src/util/.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "wharf/util/error.hpp"

namespace wharf {

// Incremental hasher: update() with chunks as they arrive (a download, a file
// being copied), then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::array<std::uint8_t, 32> digest();
  // 64 lower-case hex characters. The hasher may not be used afterwards.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

std::string sha256_hex(std::string_view data);
// Hashes a file's bytes; fails with a message naming the path.
Result<std::string> sha256_file(const std::filesystem::path& path);
// True when text is 64 lower-case hex characters.
bool is_sha256_hex(std::string_view text);
std::string to_hex(const std::uint8_t* data, std::size_t size);

}  // namespace wharf
