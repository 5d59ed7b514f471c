#include "wharf/manifest/index_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <iterator>
#include <vector>

#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

namespace wharf::manifest {

namespace {

std::string stamp_line(std::string_view sha256) {
  return "# wharf index cache " + std::to_string(kIndexCacheFormat) + " " + std::string(sha256) +
         "\n";
}

// The order write_package_index() writes, so that a cache hit, a miss and an
// uncached read give the same value.
PackageIndex canonical_order(PackageIndex index) {
  for (auto& v : index.versions) {
    std::stable_sort(v.dependencies.begin(), v.dependencies.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::stable_sort(
        v.artifacts.begin(), v.artifacts.end(),
        [](const IndexArtifact& a, const IndexArtifact& b) { return a.platform < b.platform; });
  }
  return index;
}

}  // namespace

std::string write_index_cache_entry(const PackageIndex& index, std::string_view sha256) {
  return stamp_line(sha256) + write_package_index(index);
}

std::optional<PackageIndex> read_index_cache_entry(std::string_view entry,
                                                   std::string_view sha256) {
  std::string stamp = stamp_line(sha256);
  if (!entry.starts_with(stamp)) return std::nullopt;
  return parse_canonical_package_index(entry.substr(stamp.size()));
}

namespace {

// `entry` (a stamp line, then write_package_index(index)) written atomically
// if it reads back to the same index: the canonical layout cannot express
// every valid file, e.g. a quote inside a URL. A lost entry is only a miss,
// and a first lock of 10,000 packages must not wait for 10,000 flushes.
void keep_entry(const std::filesystem::path& path, const std::string& entry) {
  auto body = std::string_view(entry).substr(entry.find('\n') + 1);
  auto check = parse_canonical_package_index(body);
  if (!check || write_package_index(*check) != body) return;
  (void)write_file_atomic(path, entry, Durability::CacheOnly);  // creates the cache folder
}

}  // namespace

Result<PackageIndex> load_package_index(std::string_view text, const std::string& file_label,
                                        const IndexCache& cache) {
  // Canonical files need no cache: the fast path reads them as they are.
  if (auto canonical = parse_canonical_package_index(text))
    return canonical_order(*std::move(canonical));
  if (cache.dir.empty()) return canonical_order(WHARF_TRY(parse_package_index(text, file_label)));

  std::string sha = sha256_hex(text);
  std::filesystem::path entry_path = cache.dir / sha;
  if (auto entry = read_file(entry_path))
    if (auto cached = read_index_cache_entry(*entry, sha)) return *std::move(cached);
  PackageIndex parsed = canonical_order(WHARF_TRY(parse_package_index(text, file_label)));
  keep_entry(entry_path, write_index_cache_entry(parsed, sha));
  return parsed;
}

namespace {

// The layout of a folder entry; a different one is a miss.
constexpr int kFolderFormat = 1;

std::string folder_stamp_line(const std::string& purpose, const std::filesystem::path& folder) {
  return "# wharf index folder " + std::to_string(kFolderFormat) + " " + purpose + ": " +
         folder.string() + "\n";
}

// Guards a slot's bytes against a damaged or truncated cache file (not
// against an attacker, who could as well rewrite the checksum): 64-bit
// multiply-xorshift over 8-byte words.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ bytes.size();
  auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    mix(w);
  }
  std::uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  mix(tail);
  return h;
}

// `<file name> <identity> <bytes> <checksum>` without the newline; false when
// malformed.
bool parse_slot_line(std::string_view line, std::string_view& name, std::string_view& identity,
                     std::size_t& bytes, std::uint64_t& sum) {
  std::string_view fields[4];
  for (auto& field : fields) {
    auto space = line.find(' ');
    field = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (field.empty()) return false;
  }
  if (!line.empty()) return false;
  name = fields[0];
  identity = fields[1];
  auto parse = [](std::string_view text, int base, auto& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size();
  };
  return parse(fields[2], 10, bytes) && parse(fields[3], 16, sum);
}

}  // namespace

IndexFolder::IndexFolder(std::filesystem::path folder, IndexCache cache, std::string purpose)
    : m_folder(std::move(folder)), m_cache(std::move(cache)), m_purpose(std::move(purpose)) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(m_folder, ec);
  if (!ec) m_folder = absolute.lexically_normal();
}

IndexFolder::~IndexFolder() {
  save();
}

std::filesystem::path IndexFolder::entry_path() const {
  return m_cache.dir / ("folder-" + sha256_hex(m_purpose + ": " + m_folder.string()));
}

void IndexFolder::set_cache(IndexCache cache) {
  m_cache = std::move(cache);
  m_opened = false;
  m_dirty = false;
  m_slots.clear();
  m_owned.clear();
  m_entry = MappedFile();
}

std::string_view IndexFolder::own(std::string text) {
  return m_owned.emplace_back(std::move(text));
}

void IndexFolder::open() {
  m_opened = true;
  m_directory = std::make_unique<Directory>(m_folder);
  if (m_cache.dir.empty()) return;
  auto entry = MappedFile::open(entry_path());
  if (!entry) return;
  m_entry = *std::move(entry);
  std::string_view rest = m_entry.bytes();
  std::string stamp = folder_stamp_line(m_purpose, m_folder);
  if (!rest.starts_with(stamp)) return;
  rest.remove_prefix(stamp.size());
  while (!rest.empty()) {
    auto eol = rest.find('\n');
    std::string_view name, identity;
    std::size_t bytes = 0;
    std::uint64_t sum = 0;
    if (eol == std::string_view::npos ||
        !parse_slot_line(rest.substr(0, eol), name, identity, bytes, sum) ||
        bytes > rest.size() - eol - 1)
      break;  // a damaged tail: keep what was read before it
    m_slots.insert_or_assign(name, Slot{identity, rest.substr(eol + 1, bytes), sum});
    rest.remove_prefix(eol + 1 + bytes);
  }
}

Result<std::optional<PackageIndex>> IndexFolder::load(const std::string& file_name,
                                                      const Finish& finish) {
  if (!m_opened) open();
  FileIdentity before = m_directory->identity(file_name);
  char identity_buffer[kIdentityTextMax];
  std::string_view identity(identity_buffer, format_identity(before, identity_buffer));
  auto slot = m_slots.find(std::string_view(file_name));
  if (!before.exists) {
    std::error_code ec;
    if (!std::filesystem::exists(m_folder / file_name, ec) && !ec) {
      if (slot != m_slots.end()) {
        m_slots.erase(slot);
        m_dirty = true;
      }
      return std::nullopt;
    }
    // else: reading it says why below
  }
  if (slot != m_slots.end() && before.exists && slot->second.identity == identity &&
      checksum(slot->second.body) == slot->second.checksum) {
    if (auto cached = decode_package_index(slot->second.body)) {
      ++m_answered;
      return *std::move(cached);
    }
  }
  std::filesystem::path file = m_folder / file_name;
  auto text = WHARF_TRY(read_file(file));
  PackageIndex loaded = WHARF_TRY(load_package_index(text, file.string(), m_cache));
  if (finish) loaded = WHARF_TRY(finish(std::move(loaded)));
  ++m_parsed;
  using namespace std::chrono;
  auto now_ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  if (m_cache.dir.empty() || !before.exists || now_ns - before.ctime_ns <= 1'000'000'000 ||
      m_directory->identity(file_name) != before)
    return loaded;
  Slot fresh;
  fresh.identity = own(std::string(identity));
  fresh.body = own(encode_package_index(loaded));
  fresh.checksum = checksum(fresh.body);
  if (slot != m_slots.end()) m_slots.erase(slot);
  m_slots.emplace(own(file_name), fresh);
  m_dirty = true;
  return loaded;
}

void IndexFolder::save() {
  if (!m_dirty || m_cache.dir.empty()) return;
  m_dirty = false;
  std::vector<std::string_view> names;
  names.reserve(m_slots.size());
  std::string out = folder_stamp_line(m_purpose, m_folder);
  std::size_t total = out.size();
  for (const auto& [name, slot] : m_slots) {
    names.push_back(name);
    total += name.size() + slot.identity.size() + 40 + slot.body.size();
  }
  std::sort(names.begin(), names.end());  // the same files give the same bytes
  out.reserve(total);
  for (auto name : names) {
    const Slot& slot = m_slots.at(name);
    fmt::format_to(std::back_inserter(out), "{} {} {} {:x}\n", name, slot.identity,
                   slot.body.size(), slot.checksum);
    out += slot.body;
  }
  (void)write_file_atomic(entry_path(), out, Durability::CacheOnly);  // creates the cache folder
}

}  // namespace wharf::manifest
