#include "util/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "quiver/error.h"

namespace quiver::util {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw Error(ErrorCode::Io, what + " \"" + path + "\": " + std::strerror(errno));
}
}  // namespace

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error(ErrorCode::Io, "cannot create folder \"" + path + "\": " + ec.message());
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) io_error("cannot remove", path);
}

bool remove_dir_if_empty(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec) && fs::remove(path, ec);
}

std::string join_path(const std::string& folder, const std::string& name) {
  if (folder.empty() || folder.back() == '/') return folder + name;
  return folder + "/" + name;
}

void fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) io_error("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) io_error("cannot fsync", path);
}

void fsync_dir(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // some filesystems (e.g. Emscripten's MEMFS) have no folder handles
  ::fsync(fd);
  ::close(fd);
}

void rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) io_error("cannot rename to", to);
}

std::vector<std::string> list_dir(const std::string& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  return out;
}

double age_seconds(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return std::difftime(std::time(nullptr), st.st_mtime);
}

}  // namespace quiver::util
