#include "wharf/util/hash.hpp"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace wharf {

// The low-level SHA-256 functions, not EVP: OpenSSL 3's EVP_MD_fetch() has to
// start its provider machinery first, ~3.5 M instructions, more than a warm
// `wharf lock` of 100 packages spends on everything it hashes. SHA256_Update
// uses the same CPU-specific code (SHA-NI, AVX2) as the EVP path. OpenSSL 3
// marks these functions deprecated, not removed.
struct Sha256::Impl {
  SHA256_CTX ctx;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  if (SHA256_Init(&m_impl->ctx) != 1)
    throw std::runtime_error("OpenSSL could not initialise SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  SHA256_Update(&m_impl->ctx, data, size);
}

std::array<std::uint8_t, 32> Sha256::digest() {
  std::array<std::uint8_t, 32> out{};
  SHA256_Final(out.data(), &m_impl->ctx);
  return out;
}

std::string Sha256::hex_digest() {
  auto bytes = digest();
  return to_hex(bytes.data(), bytes.size());
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.hex_digest();
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path.string() + ": " + std::strerror(errno));
  Sha256 hasher;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    hasher.update(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return fail("error while reading " + path.string());
  return hasher.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  static constexpr auto kHex = [] {
    std::array<bool, 256> table{};
    for (char c : std::string_view("0123456789abcdef")) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  bool ok = true;
  for (char c : text) ok &= kHex[static_cast<unsigned char>(c)];
  return ok;
}

}  // namespace wharf
