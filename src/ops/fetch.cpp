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

    if (!download.empty()) {
      auto options = net::options_from_env();
      if (!options) {
        pool.finish();
        return std::unexpected(options.error());
      }
      if (context.jobs > 0) options->concurrency = context.jobs;
      std::vector<net::Request> requests;
      for (auto i : download) {
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
      options->on_progress = [&](const net::Progress& p) {
        reporter.progress(
            TransferProgress{p.index, jobs[download[p.index]].label, p.bytes, p.total, p.done});
      };
      options->on_finished = [&](std::size_t n, const Result<net::Response>& response) {
        std::size_t i = download[n];
        if (!response) {
          record(i, response.error());
          return;
        }
        summary.bytes += response->bytes;
        ++summary.downloaded;
        fs::path temp = requests[n].destination;
        pool.submit([&, i, temp] {
          auto archive =
              store.adopt_verified_download(temp, jobs[i].artifact.sha256, jobs[i].label);
          if (!archive)
            record(i, archive.error());
          else
            unpack(i, *archive);
        });
      };
      net::Client client(std::move(*options));
      client.fetch_all(requests);
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
