// Small filesystem operations with the durability steps (fsync of file and folder) that atomic
// replacement needs. Errors become quiver::Error(Io).
#pragma once

#include <string>
#include <vector>

namespace quiver::util {

bool file_exists(const std::string& path);
void make_dirs(const std::string& path);
void remove_file(const std::string& path);  // no error when absent
bool remove_dir_if_empty(const std::string& path);
std::string join_path(const std::string& folder, const std::string& name);
// Flushes a written file and then its folder entry, so a following rename is durable.
void fsync_file(const std::string& path);
void fsync_dir(const std::string& folder);
void rename_file(const std::string& from, const std::string& to);
// Names (not paths) of the entries of `folder`; empty when it cannot be read.
std::vector<std::string> list_dir(const std::string& folder);
// Seconds since `path` was last modified; negative when it does not exist.
double age_seconds(const std::string& path);

}  // namespace quiver::util
