#include "fetch.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "internal.hpp"
#include "wharf/net/client.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;

namespace {

// A few threads that unpack (and import) while the network thread downloads.
class WorkPool {
 public:
  explicit WorkPool(unsigned threads) {
    for (unsigned i = 0; i < threads; ++i) m_threads.emplace_back([this] { work(); });
  }
  ~WorkPool() { finish(); }
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void submit(std::function<void()> task) {
    {
      std::lock_guard guard(m_mutex);
      m_tasks.push_back(std::move(task));
    }
    m_ready.notify_one();
  }

  // Runs what is queued, then joins the threads.
  void finish() {
    {
      std::lock_guard guard(m_mutex);
      m_closing = true;
    }
    m_ready.notify_all();
    for (auto& thread : m_threads)
      if (thread.joinable()) thread.join();
    m_threads.clear();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return m_closing || !m_tasks.empty(); });
        if (m_tasks.empty()) return;
        task = std::move(m_tasks.front());
        m_tasks.pop_front();
      }
      task();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<std::function<void()>> m_tasks;
  bool m_closing = false;
  std::vector<std::thread> m_threads;
};

// At most this many download locks are held at once (one file descriptor
// each); downloads beyond them go unclaimed (a concurrent process may then
// fetch the same file too, which is harmless).
constexpr std::size_t kMaxClaims = 256;

std::string download_lock_key(const TreeJob& job) {
  return "download-" + job.artifact.sha256;
}

}  // namespace

bool is_remote_location(const std::string& location) {
  return starts_with(location, "http://") || starts_with(location, "https://");
}

Result<FetchSummary> fetch_trees(const Context& context, store::Store& store,
                                 std::vector<TreeJob>& jobs) {
  FetchSummary summary;
  std::vector<std::size_t> unpack_cached, import_local, download;
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    std::error_code ec;
    fs::path tree = store.tree_path(job.artifact.sha256);
    if (fs::is_directory(fs::symlink_status(tree, ec))) {
      job.tree = tree;
      continue;
    }
    ++summary.fetched;
    if (store.has_download(job.artifact.sha256)) {
      unpack_cached.push_back(i);
    } else if (!is_remote_location(job.artifact.location)) {
      import_local.push_back(i);
    } else if (context.offline) {
      missing.push_back(job.label + " (" + job.artifact.location + ")");
    } else {
      download.push_back(i);
    }
  }
  // A download is claimed with a lock in the store, so that concurrent wharf
  // processes fetch each file once: what another process holds is deferred.
  std::vector<std::optional<FileLock>> held(jobs.size());
  std::vector<std::size_t> deferred;
  {
    std::vector<std::size_t> claimed;
    std::size_t locks = 0;
    for (auto i : download) {
      if (locks < kMaxClaims) {
        auto lock = store.try_lock(download_lock_key(jobs[i]));
        if (lock && !*lock) {
          deferred.push_back(i);
          continue;
        }
        if (lock) {
          held[i] = std::move(**lock);
          ++locks;
        }
      }
      if (store.has_download(jobs[i].artifact.sha256)) {
        held[i].reset();
        unpack_cached.push_back(i);  // another process finished it meanwhile
      } else {
        claimed.push_back(i);
      }
    }
    download = std::move(claimed);
  }
  if (!missing.empty())
    return fail("--offline: the cache does not hold the artifact" +
                    std::string(missing.size() == 1 ? "" : "s") + " of " + join(missing, ", "),
                "run `wharf sync` once without --offline to download " +
                    std::string(missing.size() == 1 ? "it" : "them"));

  std::mutex errors_mutex;
  std::vector<std::optional<Error>> errors(jobs.size());
  auto record = [&](std::size_t i, Error error) {
    std::lock_guard guard(errors_mutex);
    errors[i] = std::move(error);
  };
  auto unpack = [&](std::size_t i, const fs::path& archive) {
    auto tree = store.unpack(jobs[i].artifact.sha256, archive);
    if (!tree)
      record(i, with_context(tree.error(), "unpacking " + jobs[i].label));
    else
      jobs[i].tree = *tree;
  };

  {
    unsigned threads = std::clamp(std::thread::hardware_concurrency(), 2u, 8u);
    WorkPool pool(threads);
    for (auto i : unpack_cached)
      pool.submit([&, i] { unpack(i, store.download_path(jobs[i].artifact.sha256)); });
    for (auto i : import_local) {
      pool.submit([&, i] {
        const auto& job = jobs[i];
        std::error_code ec;
        if (!fs::exists(job.artifact.location, ec)) {
          record(i, fail("artifact of " + job.label + " is missing: " + job.artifact.location,
                         "the " + job.artifact.origin +
                             " no longer has it; run `wharf lock --update " + job.package + "`")
                        .error());
          return;
        }
        auto archive = store.import_file(job.artifact.location, job.artifact.sha256, job.label);
        if (!archive)
          record(i, archive.error());
        else
          unpack(i, *archive);
      });
    }

    // One batch of downloads on one net::Client; each finished file goes to
    // the pool to be adopted and unpacked while the rest keep arriving.
    auto download_batch = [&](const std::vector<std::size_t>& batch) -> Result<void> {
      if (batch.empty()) return {};
      auto options = WHARF_TRY(net::options_from_env());
      if (context.jobs > 0) options.concurrency = context.jobs;
      std::vector<net::Request> requests;
      for (auto i : batch) {
        const auto& job = jobs[i];
        net::Request request;
        request.url = job.artifact.location;
        request.destination = store.temp_path("download");
        request.expected_sha256 = job.artifact.sha256;
        if (job.artifact.size > 0) request.expected_size = job.artifact.size;
        request.label = job.label;
        request.auth_name = job.artifact.auth_name;
        // Archives are compressed already; asking for gzip only invites servers
        // that label a .tar.gz as gzip-encoded.
        request.encoding = net::Encoding::Identity;
        requests.push_back(std::move(request));
      }
      auto& reporter = *context.reporter;
      options.on_progress = [&](const net::Progress& p) {
        reporter.progress(
            TransferProgress{p.index, jobs[batch[p.index]].label, p.bytes, p.total, p.done});
      };
      options.on_finished = [&](std::size_t n, const Result<net::Response>& response) {
        std::size_t i = batch[n];
        if (!response) {
          record(i, response.error());
          held[i].reset();
          return;
        }
        summary.bytes += response->bytes;
        ++summary.downloaded;
        fs::path temp = requests[n].destination;
        pool.submit([&, i, temp] {
          auto archive =
              store.adopt_verified_download(temp, jobs[i].artifact.sha256, jobs[i].label);
          held[i].reset();  // the download is in the store (or failed): others may go on
          if (!archive)
            record(i, archive.error());
          else
            unpack(i, *archive);
        });
      };
      net::Client client(std::move(options));
      client.fetch_all(requests);
      return {};
    };

    auto first_round = download_batch(download);
    // What another wharf was downloading: wait for it, then use its file (or
    // download it after all, when that process failed).
    std::vector<std::size_t> second;
    for (auto i : first_round ? deferred : std::vector<std::size_t>{}) {
      auto lock = store.lock(download_lock_key(jobs[i]));
      if (!lock) {
        record(i, lock.error());
        continue;
      }
      if (store.has_download(jobs[i].artifact.sha256)) {
        pool.submit([&, i] { unpack(i, store.download_path(jobs[i].artifact.sha256)); });
      } else {
        held[i] = std::move(*lock);
        second.push_back(i);
      }
    }
    auto second_round = first_round ? download_batch(second) : first_round;
    if (!second_round) {
      pool.finish();
      return std::unexpected(second_round.error());
    }
    pool.finish();
  }

  std::size_t failures = 0;
  const Error* first = nullptr;
  for (const auto& error : errors) {
    if (!error) continue;
    ++failures;
    if (!first) first = &*error;
  }
  if (first) {
    Error error = *first;
    if (failures > 1)
      error.message += " (and " + plural(failures - 1, "other package") + " failed too)";
    return std::unexpected(std::move(error));
  }
  return summary;
}

}  // namespace wharf::ops
