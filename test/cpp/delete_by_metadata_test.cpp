// deleteItemsByMetadata against another writer: the matches must be those of the state its
// transaction commits on. Another process (here a second handle: its own cache and SQLite
// connection) commits exactly between the deleter's catch-up and its write transaction, made
// deterministic by a SQLite VFS registered by this test: it wraps the OS's VFS and runs a hook
// just before a connection takes the WAL write lock (the moment BEGIN IMMEDIATE waits for when
// another process is writing). SQLite then sees the deleter's read snapshot is stale and retries,
// as it would after a real concurrent commit.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "quiver/index.h"
#include "test_support.h"

namespace quiver {
namespace {

using test::input;
using test::TempDir;

std::function<void()> g_before_write_lock;  // runs once, at the next WAL write lock
const sqlite3_io_methods* g_os_methods = nullptr;
sqlite3_io_methods g_hooked_methods;
sqlite3_vfs g_hook_vfs;

int hooked_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  // WAL_WRITE_LOCK is shared-memory lock slot 0, taken exclusively by a writer.
  if (offset == 0 && n == 1 && flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE) && g_before_write_lock) {
    const std::function<void()> hook = std::move(g_before_write_lock);
    g_before_write_lock = nullptr;
    hook();
  }
  return g_os_methods->xShmLock(f, offset, n, flags);
}

// The OS's own file, with its methods table swapped for a copy whose xShmLock runs the hook.
int hooked_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* os = static_cast<sqlite3_vfs*>(vfs->pAppData);
  const int rc = os->xOpen(os, name, f, flags, out_flags);
  if (rc == SQLITE_OK && f->pMethods != nullptr && f->pMethods->iVersion >= 2 && f->pMethods->xShmLock) {
    if (g_os_methods == nullptr) {
      g_os_methods = f->pMethods;
      g_hooked_methods = *f->pMethods;
      g_hooked_methods.xShmLock = hooked_shm_lock;
    }
    if (f->pMethods == g_os_methods) f->pMethods = &g_hooked_methods;
  }
  return rc;
}

// Registers the hooking VFS as the default for the lifetime of the object.
class WriteLockHook {
 public:
  WriteLockHook() {
    sqlite3_initialize();
    sqlite3_vfs* os = sqlite3_vfs_find(nullptr);
    g_hook_vfs = *os;
    g_hook_vfs.zName = "quiver-test-write-lock-hook";
    g_hook_vfs.pAppData = os;
    g_hook_vfs.xOpen = hooked_open;
    EXPECT_EQ(sqlite3_vfs_register(&g_hook_vfs, /*makeDflt=*/1), SQLITE_OK);
  }
  ~WriteLockHook() {
    g_before_write_lock = nullptr;
    sqlite3_vfs_unregister(&g_hook_vfs);
  }
};

TEST(DeleteItemsByMetadata, JudgesItemsByTheCommitsOfAnotherWriterJustBeforeItsTransaction) {
  WriteLockHook vfs;
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::L2, 2), false);
  auto deleter = Index::open(folder);
  auto other = Index::open(folder);
  const std::vector<float> v{1, 0};
  deleter->insert({input("changed", v, R"({"tag":"old"})"), input("stays-old", v, R"({"tag":"old"})"),
                   input("kept", v, R"({"tag":"new"})")});
  EXPECT_EQ(other->list(R"({"tag":"old"})").size(), 2u);  // caught up
  EXPECT_EQ(deleter->count(R"({"tag":"old"})"), 2u);      // its columns are built

  // The other writer commits after the deleter has caught up, before its transaction: "changed"
  // no longer matches, "arrived" is new and matches.
  bool ran = false;
  g_before_write_lock = [&] {
    ran = true;
    other->upsert({input("changed", v, R"({"tag":"new"})"), input("arrived", v, R"({"tag":"old"})")});
  };
  EXPECT_EQ(deleter->remove_by_metadata(R"({"tag":"old"})"), 2u);
  ASSERT_TRUE(ran);
  for (Index* handle : {deleter.get(), other.get()}) {
    EXPECT_TRUE(handle->get("changed")) << "deleted by its metadata from before the other commit";
    EXPECT_FALSE(handle->get("stays-old"));
    EXPECT_FALSE(handle->get("arrived")) << "matched when the deletion committed, yet kept";
    EXPECT_TRUE(handle->get("kept"));
    EXPECT_EQ(handle->count(), 2u);
    EXPECT_EQ(handle->count(R"({"tag":"old"})"), 0u);
  }
}

TEST(DeleteItemsByMetadata, MatchingNothingWritesNothing) {
  TempDir dir;
  const std::string folder = dir.sub("idx");
  Index::create(folder, test::config(Metric::L2, 2), false);
  auto index = Index::open(folder);
  const std::vector<float> v{1, 0};
  index->insert({input("a", v, R"({"tag":"x"})")});
  EXPECT_EQ(index->remove_by_metadata(R"({"tag":"y"})"), 0u);
  EXPECT_EQ(index->count(), 1u);
  EXPECT_EQ(index->remove_by_metadata(R"({"tag":"x"})"), 1u);
  EXPECT_EQ(index->count(), 0u);
}

}  // namespace
}  // namespace quiver
