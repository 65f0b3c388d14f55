// Disk full and I/O errors: a write that hits one rejects with ErrorCode::Io and leaves the
// previous state intact and openable. Two kinds of fault, both real code paths:
//   - a SQLite VFS registered by this test as the default: it wraps the OS's VFS and, once armed,
//     fails xWrite / xSync / xTruncate with SQLITE_FULL or SQLITE_IOERR_* (what SQLite's own unix
//     VFS returns on ENOSPC / EIO);
//   - the kernel itself: RLIMIT_FSIZE makes every write past a size fail with EFBIG, which hits
//     SQLite and the graph file alike (it works for root too, unlike read-only permissions).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;

// ---- the fault-injecting VFS ----------------------------------------------------------------

struct Faults {
  std::atomic<int> writes_left{-1};  // -1: never fail; n: the (n+1)-th write from now fails
  std::atomic<int> syncs_left{-1};
  int write_error = SQLITE_FULL;
  int sync_error = SQLITE_IOERR_FSYNC;
  std::atomic<int> injected{0};
  void disarm() {
    writes_left = -1;
    syncs_left = -1;
  }
};
Faults g_faults;

// Counts down and says whether this call must fail; once failing, keeps failing (a full disk
// stays full until someone frees space).
bool should_fail(std::atomic<int>& left) {
  int n = left.load();
  if (n < 0) return false;
  if (n == 0) {
    ++g_faults.injected;
    return true;
  }
  left = n - 1;
  return false;
}

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real(); }

int shim_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int shim_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), p, n, off);
}
int shim_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (should_fail(g_faults.writes_left)) return g_faults.write_error;
  return real(f)->pMethods->xWrite(real(f), p, n, off);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (should_fail(g_faults.writes_left)) return SQLITE_IOERR_TRUNCATE;
  return real(f)->pMethods->xTruncate(real(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
  if (should_fail(g_faults.syncs_left)) return g_faults.sync_error;
  return real(f)->pMethods->xSync(real(f), flags);
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int shim_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int shim_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int shim_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int shim_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int shim_shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
int shim_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real(f)->pMethods->xFetch(real(f), off, n, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods kShimMethods = {
    3,           shim_close,       shim_read,          shim_write,
    shim_truncate, shim_sync,      shim_file_size,     shim_lock,
    shim_unlock, shim_check_reserved, shim_file_control, shim_sector_size,
    shim_device_characteristics, shim_shm_map, shim_shm_lock, shim_shm_barrier,
    shim_shm_unmap, shim_fetch, shim_unfetch};

sqlite3_vfs g_shim_vfs;

int shim_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* os = static_cast<sqlite3_vfs*>(vfs->pAppData);
  auto* shim = reinterpret_cast<ShimFile*>(f);
  shim->base.pMethods = nullptr;
  int rc = os->xOpen(os, name, shim->real(), flags, out_flags);
  if (rc == SQLITE_OK && shim->real()->pMethods) shim->base.pMethods = &kShimMethods;
  return rc;
}

// Registers the shim as the default VFS for the lifetime of the object.
class FaultyDisk {
 public:
  FaultyDisk() {
    sqlite3_initialize();
    sqlite3_vfs* os = sqlite3_vfs_find(nullptr);
    g_shim_vfs = *os;
    g_shim_vfs.zName = "quiver-test-faults";
    g_shim_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + os->szOsFile;
    g_shim_vfs.pAppData = os;
    g_shim_vfs.xOpen = shim_open;
    g_faults.disarm();
    g_faults.injected = 0;
    EXPECT_EQ(sqlite3_vfs_register(&g_shim_vfs, /*makeDflt=*/1), SQLITE_OK);
  }
  ~FaultyDisk() {
    g_faults.disarm();
    sqlite3_vfs_unregister(&g_shim_vfs);
  }
};

// ---- helpers ---------------------------------------------------------------------------------

ErrorCode code_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "expected a quiver::Error";
  return ErrorCode::Internal;
}

std::vector<ItemInput> batch(const std::vector<std::vector<float>>& vectors, size_t from, size_t n,
                             const std::string& prefix, const std::string& metadata) {
  std::vector<ItemInput> out;
  for (size_t i = from; i < from + n; ++i) {
    out.push_back(input(prefix + std::to_string(i), vectors[i], metadata));
  }
  return out;
}

// The ids in the index, in insertion order.
std::vector<std::string> ids_of(Index& index) {
  std::vector<std::string> out;
  for (const auto& item : index.list()) out.push_back(item.id);
  return out;
}

std::vector<std::string> expected_ids(const std::string& prefix, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// Every item is found by its own vector (graph and store agree).
void expect_searchable(Index& index, const std::vector<std::vector<float>>& vectors,
                       const std::vector<std::string>& ids) {
  QueryOptions q;
  q.top_k = 1;
  q.ef_search = 200;
  for (size_t i = 0; i < ids.size(); i += 7) {
    auto hits = index.query(test::view(vectors[i]), q);
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].item.id, ids[i]);
  }
}

const std::string kMetadata = R"({"text":")" + std::string(600, 'm') + R"("})";

class IoFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = test::clustered(400, 16, 8, 7);
    folder_ = dir_.sub("idx");
  }
  // Creates the index with `n` committed items under the shim, returns it open.
  std::unique_ptr<Index> populated(size_t n) {
    Index::create(folder_, test::config(Metric::L2, 16), false);
    auto index = Index::open(folder_);
    index->insert(batch(vectors_, 0, n, "old-", kMetadata));
    return index;
  }
  void expect_old_state_after_reopen(size_t n) {
    auto reopened = Index::open(folder_);
    EXPECT_EQ(ids_of(*reopened), expected_ids("old-", n));
    expect_searchable(*reopened, vectors_, expected_ids("old-", n));
    EXPECT_NE(reopened->verify().find("\"consistent\":true"), std::string::npos);
  }
  TempDir dir_;
  std::string folder_;
  std::vector<std::vector<float>> vectors_;
};

// ---- SQLite hits a full disk / an I/O error --------------------------------------------------

TEST_F(IoFaultTest, DiskFullAtEveryPointOfACommitIsIoAndChangesNothing) {
  FaultyDisk disk;
  auto index = populated(100);
  // Fail the first, second, ... write of the next commit, until the commit needs fewer writes
  // than the fault allows (then it succeeds and the loop ends).
  bool succeeded = false;
  int failures = 0;
  for (int allowed = 0; allowed < 400 && !succeeded; allowed += 3) {
    g_faults.writes_left = allowed;
    std::string message;
    try {
      index->insert(batch(vectors_, 100, 50, "new-", kMetadata));
      succeeded = true;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Io) << "after " << allowed << " writes: " << e.what();
      ++failures;
    }
    g_faults.disarm();
    if (succeeded) break;
    // The failed batch is all or nothing, in this process ...
    EXPECT_EQ(ids_of(*index).size(), 100u) << "after " << allowed << " writes";
    EXPECT_FALSE(index->get("new-100").has_value());
  }
  EXPECT_TRUE(succeeded) << "the commit never fit in 400 writes";
  EXPECT_GT(failures, 0);
  EXPECT_GT(g_faults.injected.load(), 0);
  // ... and once space is free again the index keeps working: the last attempt committed.
  auto all = expected_ids("old-", 100);
  for (size_t i = 100; i < 150; ++i) all.push_back("new-" + std::to_string(i));
  EXPECT_EQ(ids_of(*index), all);
  index->close();
  auto reopened = Index::open(folder_);
  EXPECT_EQ(ids_of(*reopened), all);
}

TEST_F(IoFaultTest, FailedCommitLeavesThePreviousStateOpenable) {
  FaultyDisk disk;
  {
    auto index = populated(100);
    g_faults.write_error = SQLITE_IOERR_WRITE;  // EIO rather than ENOSPC
    g_faults.writes_left = 0;
    std::string message;
    EXPECT_EQ(code_of([&] { index->insert(batch(vectors_, 100, 50, "new-", kMetadata)); }, &message),
              ErrorCode::Io);
    EXPECT_NE(message.find("disk"), std::string::npos) << message;  // says what to check
    EXPECT_EQ(code_of([&] { index->remove({"old-1", "old-2"}); }), ErrorCode::Io);
    EXPECT_EQ(code_of([&] { index->upsert(batch(vectors_, 0, 10, "old-", "{}")); }), ErrorCode::Io);
    g_faults.disarm();
    g_faults.write_error = SQLITE_FULL;
    EXPECT_EQ(ids_of(*index), expected_ids("old-", 100));
    EXPECT_EQ(index->get("old-1")->metadata_json, kMetadata);
    expect_searchable(*index, vectors_, expected_ids("old-", 100));
  }  // closed without the fault
  expect_old_state_after_reopen(100);
}

TEST_F(IoFaultTest, FailedFsyncOfTheCommitIsIo) {
  FaultyDisk disk;
  {
    auto index = populated(100);
    g_faults.syncs_left = 0;
    EXPECT_EQ(code_of([&] { index->insert(batch(vectors_, 100, 5, "new-", kMetadata)); }),
              ErrorCode::Io);
    g_faults.disarm();
    EXPECT_EQ(ids_of(*index), expected_ids("old-", 100));
  }
  expect_old_state_after_reopen(100);
}

TEST_F(IoFaultTest, CreateOnAFullDiskIsIoAndLeavesNoIndex) {
  FaultyDisk disk;
  g_faults.writes_left = 0;
  EXPECT_EQ(code_of([&] { Index::create(folder_, test::config(Metric::L2, 16), false); }),
            ErrorCode::Io);
  g_faults.disarm();
  // No half-created database is left behind: it would say "Index already exists" to the next
  // create and CORRUPT to open.
  EXPECT_FALSE(Index::exists(folder_));
  Index::create(folder_, test::config(Metric::L2, 16), false);
  EXPECT_EQ(Index::open(folder_)->stats().items, 0u);
}

// ---- the kernel refuses writes (RLIMIT_FSIZE -> EFBIG) ---------------------------------------

// Limits the size of any file this process writes, for the lifetime of the object.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process instead of failing write()
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

TEST_F(IoFaultTest, KernelRefusingToGrowTheDatabaseIsIo) {
  {
    auto index = populated(100);
    const auto db = std::filesystem::path(folder_) / "quiver.db";
    const auto wal = std::filesystem::path(folder_) / "quiver.db-wal";
    const auto size = std::max(std::filesystem::file_size(db), std::filesystem::file_size(wal));
    FileSizeLimit limit(size + 4096);
    std::string message;
    EXPECT_EQ(code_of([&] { index->insert(batch(vectors_, 100, 200, "new-", kMetadata)); }, &message),
              ErrorCode::Io);
    EXPECT_EQ(ids_of(*index), expected_ids("old-", 100));
  }
  expect_old_state_after_reopen(100);
}

TEST_F(IoFaultTest, GraphFileThatCannotBeWrittenIsRebuiltNotLost) {
  {
    auto index = populated(100);
    index->close();  // a good graph file for 100 items
  }
  const auto graph = std::filesystem::path(folder_) / "shard-0.hnsw";
  ASSERT_TRUE(std::filesystem::exists(graph));
  {
    auto index = Index::open(folder_);
    index->insert(batch(vectors_, 100, 300, "new-", kMetadata));  // committed: the db is fine
    // The graph file now needs far more room than the limit allows: saving it at close fails.
    FileSizeLimit limit(std::filesystem::file_size(graph) / 2);
    EXPECT_NO_THROW(index->close());
  }
  auto reopened = Index::open(folder_);
  auto all = expected_ids("old-", 100);
  for (size_t i = 100; i < 400; ++i) all.push_back("new-" + std::to_string(i));
  EXPECT_EQ(ids_of(*reopened), all);
  expect_searchable(*reopened, vectors_, all);
  EXPECT_NE(reopened->verify().find("\"consistent\":true"), std::string::npos);
}

}  // namespace
}  // namespace quiver
