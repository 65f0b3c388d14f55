#include "ann/hnsw_file.h"

#include <cmath>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "ann/codec_space.h"
#include "ann/hnsw_body_check.h"
#include "ann/hnsw_graph.h"
#include "quiver/error.h"
#include "util/checksum.h"
#include "util/file_lock.h"
#include "util/files.h"

namespace quiver::ann {
namespace {

constexpr char kMagic[8] = {'Q', 'U', 'I', 'V', 'H', 'N', 'S', 'W'};

// The file has the same bytes on every platform: hnswlib's size_t fields are written as 8 bytes
// (write_hnsw_fields) and so is each element's label, whose type (hnswlib::labeltype, a size_t)
// is 4 bytes in wasm32. Where the graph's memory has 8-byte labels too (64-bit builds) the
// level-0 block is read and written as it lies in memory; elsewhere element by element.
constexpr uint64_t kFileLabelBytes = 8;
constexpr bool kMemoryIsFileLayout = sizeof(hnswlib::labeltype) == kFileLabelBytes;

struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t dims;
  uint32_t metric;
  uint32_t stored_form;  // VectorCodec::stored_form_id() (0 in format 1)
  uint64_t seq;
  uint64_t live_count;
  uint64_t body_size;
  uint32_t body_crc;  // CRC-32C of the body (format 1: CRC-32)
  uint32_t codec_param;  // VectorCodec::param_bits(): i8's learned scale (0: none); was reserved
  // Which shard of how many this file is (ann/shard_set.h): low 16 bits the shard's number,
  // high 16 bits the shard count minus one. 0 = shard 0 of 1, i.e. every file written before
  // shards (this field was reserved, always 0).
  uint32_t shard_slot;
  uint32_t header_crc;  // CRC-32 of the 60 bytes before it, in every format
};
static_assert(sizeof(FileHeader) == 64, "the header layout is part of the file format");

uint32_t header_crc(const FileHeader& h) {
  util::Crc32 crc;
  crc.update(&h, offsetof(FileHeader, header_crc));
  return crc.value();
}

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool read_exact(int fd, void* buf, uint64_t size, uint64_t offset) {
  auto* p = static_cast<char*>(buf);
  while (size > 0) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, 1u << 30));
    const ssize_t n = ::pread(fd, p, chunk, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<uint64_t>(n);
  }
  return true;
}

// Appends to a file, computing the body's CRC on the way; small pieces are gathered in a buffer,
// large blocks (the level-0 block) go to the kernel straight from the graph's memory.
class BodyWriter {
 public:
  BodyWriter(int fd, const std::string& path) : fd_(fd), path_(path) { buffer_.reserve(kBuffer); }

  void append(const void* data, size_t size) {
    crc_.update(data, size);
    if (size >= kBuffer) {
      flush();
      write_all(data, size);
      return;
    }
    if (buffer_.size() + size > kBuffer) flush();
    const auto* p = static_cast<const char*>(data);
    buffer_.insert(buffer_.end(), p, p + size);
  }
  void flush() {
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  uint64_t written() const { return written_ + buffer_.size(); }
  uint32_t crc() const { return crc_.value(); }

 private:
  static constexpr size_t kBuffer = 1 << 20;

  void write_all(const void* data, size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd_, p, std::min<size_t>(size, 1u << 30));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw Error(ErrorCode::Io, "cannot write \"" + path_ + "\": " +
                                       (n < 0 ? std::strerror(errno) : "no progress") +
                                       " (disk full?)");
      }
      p += n;
      size -= static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    }
  }

  int fd_;
  const std::string& path_;
  std::vector<char> buffer_;
  uint64_t written_ = 0;
  util::Crc32c crc_;
};

// The level-0 block: hundreds of MB at a million vectors, read once straight into this memory
// (which hnswlib keeps, grows with realloc and frees with free). Aligned to 2 MB and marked for
// transparent huge pages on Linux: filling it then costs one page fault per 2 MB, not per 4 KB.
char* allocate_level0(uint64_t bytes) {
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
  constexpr uint64_t kHugePage = 2u << 20;
  void* p = nullptr;
  if (bytes >= kHugePage && ::posix_memalign(&p, kHugePage, bytes) == 0) {
    ::madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);  // advice only: errors ignored
    return static_cast<char*>(p);
  }
#endif
  return static_cast<char*>(std::malloc(std::max<uint64_t>(1, bytes)));
}

// Everything the loader does with the level-0 block once it is in memory — its checksum, its
// structure check, and hnswlib's label table (label -> internal id) with the set of deleted
// elements — done chunk by chunk, in file order, while the loader is still reading the next
// chunks: on a second thread where there is one (reading and this work cost about the same),
// inline otherwise (WASM, small graphs). It touches only chunks the loader has published and only
// members the loader leaves alone until finish().
class Level0Consumer {
 public:
  // `overlap_reads`: the loader reads the block chunk by chunk (not when it is mapped: then
  // every chunk is there at once and a second thread would only wait for this one).
  Level0Consumer(hnswlib::HierarchicalNSW<float>& g, const HnswBodyFields& f, util::Crc32c* crc,
                 bool overlap_reads)
      : g_(g), f_(f), crc_(crc) {
    g_.label_lookup_.reserve(f.count);
#ifndef __EMSCRIPTEN__
    // Not for small graphs, where starting a thread costs more than it saves; never where the
    // loader converts elements (it then hands each chunk to consume() itself).
    if (overlap_reads && kMemoryIsFileLayout && f.count >= 2048 &&
        std::thread::hardware_concurrency() > 1) {
      worker_ = std::thread([this] { run(); });
    }
#endif
  }
  ~Level0Consumer() { stop(); }

  // Elements [0, ready) are in memory.
  void publish(uint64_t ready) {
    if (!worker_.joinable()) {
      consume_up_to(ready);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_ = ready;
    }
    wake_.notify_one();
  }
  // Inline only: elements [begin, end) are in the graph's memory and `file_bytes` holds them
  // as the file has them.
  void consume(const char* file_bytes, uint64_t begin, uint64_t end) {
    crc_->update(file_bytes, (end - begin) * f_.size_per_element);
    if (problem_.empty()) problem_ = check_hnsw_level0(file_bytes, end - begin, f_);
    index_labels(begin, end);
    done_ = end;
  }
  // Waits until every published element is consumed (the caller has published them all).
  void finish() { stop(); }
  // After finish(): the first structural problem found (empty if none) and the deleted count.
  const std::string& problem() const { return problem_; }
  size_t deleted() const { return deleted_; }

 private:
  void run() {
    while (true) {
      uint64_t target;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return ready_ > done_ || stopping_; });
        if (ready_ <= done_) return;  // stopping, and nothing left
        target = ready_;
      }
      consume_up_to(target);
    }
  }
  void consume_up_to(uint64_t end) {
    const uint64_t begin = done_;
    if (end <= begin) return;
    const char* first = g_.data_level0_memory_ + begin * f_.size_per_element;
    crc_->update(first, (end - begin) * f_.size_per_element);
    if (problem_.empty()) problem_ = check_hnsw_level0(first, end - begin, f_);
    index_labels(begin, end);
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = end;
  }
  void index_labels(uint64_t begin, uint64_t end) {
    for (uint64_t i = begin; i < end; ++i) {
      const auto id = static_cast<hnswlib::tableint>(i);
      if (!g_.label_lookup_.emplace(g_.getExternalLabel(id), id).second && problem_.empty()) {
        problem_ = "duplicate labels";
      }
      if (g_.isMarkedDeleted(id)) {
        ++deleted_;
        g_.deleted_elements.insert(id);
      }
    }
  }
  void stop() {
    if (!worker_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;  // the worker still consumes what was published, then ends
    }
    wake_.notify_one();
    worker_.join();
  }

  hnswlib::HierarchicalNSW<float>& g_;
  const HnswBodyFields& f_;
  util::Crc32c* crc_;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t ready_ = 0;  // guarded by mutex_
  uint64_t done_ = 0;   // written by the consuming side under mutex_
  bool stopping_ = false;
  std::string problem_;
  size_t deleted_ = 0;
};

uint32_t pack_slot(const GraphFileSlot& slot) {
  return (slot.index & 0xFFFFu) | ((static_cast<uint32_t>(slot.count - 1) & 0xFFFFu) << 16);
}

FileHeader make_header(const vectors::VectorCodec& codec) {
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format_version = kGraphFormatVersion;
  h.dims = codec.dims();
  h.metric = static_cast<uint32_t>(codec.metric());
  h.stored_form = codec.stored_form_id();
  h.codec_param = codec.param_bits();
  return h;
}

// Why the header cannot be used for `codec` (empty when it can). `file_size`: 0 to skip the
// size check (file_seq reads only the header).
std::string header_problem(const FileHeader& h, const vectors::VectorCodec& codec,
                           const GraphFileSlot& slot, uint64_t file_size) {
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return "is not a Quiver HNSW file";
  if (header_crc(h) != h.header_crc) return "header checksum mismatch";
  if (h.format_version != kGraphFormatVersion) {
    return "was written in graph format " + std::to_string(h.format_version) +
           (h.format_version < kGraphFormatVersion ? " by an older version of Quiver" : "") +
           " (this version reads format " + std::to_string(kGraphFormatVersion) + ")";
  }
  if (h.dims != codec.dims() || h.metric != static_cast<uint32_t>(codec.metric())) {
    return "dimensions or metric differ from the index settings";
  }
  if (h.stored_form != codec.stored_form_id()) return "stores vectors in another form";
  if (h.shard_slot != pack_slot(slot)) {
    return "belongs to shard " + std::to_string(h.shard_slot & 0xFFFFu) + " of " +
           std::to_string((h.shard_slot >> 16) + 1) + ", not shard " + std::to_string(slot.index) +
           " of " + std::to_string(slot.count);
  }
  if (file_size != 0 && h.body_size != file_size - sizeof h) return "truncated body";
  return {};
}

}  // namespace

void save_graph_file(const HnswGraph& g, const vectors::VectorCodec& codec,
                     size_t live_count, uint64_t seq, const std::string& path,
                     const GraphFileSlot& slot) {
  const std::string tmp_path = path + "." + util::unique_name_part() + ".tmp";
  Fd file;
  file.fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file.fd < 0) {
    throw Error(ErrorCode::Io, "cannot create \"" + tmp_path + "\": " + std::strerror(errno));
  }
  try {
    FileHeader h = make_header(codec);
    h.seq = seq;
    h.live_count = live_count;
    h.shard_slot = pack_slot(slot);
    // The body goes after the header's place; the header is written last, once the body's
    // size and checksum are known.
    if (::lseek(file.fd, sizeof h, SEEK_SET) != static_cast<off_t>(sizeof h)) {
      throw Error(ErrorCode::Io, "cannot seek in \"" + tmp_path + "\": " + std::strerror(errno));
    }
    BodyWriter out(file.fd, tmp_path);

    // The body, byte for byte what hnswlib 0.8's saveIndex writes.
    const size_t count = g.cur_element_count;
    HnswBodyFields f{};
    f.offset_level0 = g.offsetLevel0_;
    f.max_elements = g.max_elements_;
    f.count = count;
    f.size_per_element = g.label_offset_ + kFileLabelBytes;
    f.label_offset = g.label_offset_;
    f.data_offset = g.offsetData_;
    f.max_level = g.maxlevel_;
    f.entry_point = g.enterpoint_node_;
    f.max_m = g.maxM_;
    f.max_m0 = g.maxM0_;
    f.m = g.M_;
    f.mult = g.mult_;
    f.ef_construction = g.ef_construction_;
    char fields[kHnswFieldsBytes];
    write_hnsw_fields(f, fields);
    out.append(fields, sizeof fields);
    if (kMemoryIsFileLayout) {
      out.append(g.data_level0_memory_, count * g.size_data_per_element_);
    } else {
      for (size_t i = 0; i < count; ++i) {
        out.append(g.data_level0_memory_ + i * g.size_data_per_element_, g.label_offset_);
        const uint64_t label = g.getExternalLabel(static_cast<hnswlib::tableint>(i));
        out.append(&label, sizeof label);
      }
    }
    for (size_t i = 0; i < count; ++i) {
      const uint32_t size = g.element_levels_[i] > 0
                                ? static_cast<uint32_t>(g.size_links_per_element_ * g.element_levels_[i])
                                : 0;
      out.append(&size, sizeof size);
      if (size) out.append(g.linkLists_[i], size);
    }
    out.flush();
    h.body_size = out.written();
    h.body_crc = out.crc();
    h.header_crc = header_crc(h);
    if (::pwrite(file.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
      throw Error(ErrorCode::Io, "cannot write \"" + tmp_path + "\" (disk full?)");
    }
    if (::fsync(file.fd) != 0) {
      throw Error(ErrorCode::Io, "cannot flush \"" + tmp_path + "\": " + std::strerror(errno));
    }
    ::close(file.fd);
    file.fd = -1;
    util::rename_file(tmp_path, path);
    const auto slash = path.find_last_of('/');
    util::fsync_dir(slash == std::string::npos ? "." : path.substr(0, slash));
  } catch (...) {
    std::remove(tmp_path.c_str());
    throw;
  }
}

std::optional<uint64_t> graph_file_seq(const std::string& path, const vectors::VectorCodec& codec,
                                       const GraphFileSlot& slot) {
  Fd file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  FileHeader h{};
  if (file.fd < 0 || !read_exact(file.fd, &h, sizeof h, 0)) return std::nullopt;
  if (!header_problem(h, codec, slot, 0).empty()) return std::nullopt;
  return h.seq;
}

LoadedGraphFile load_graph_file(const std::string& path, CodecSpace& space, size_t m,
                                const GraphFileSlot& slot) {
  LoadedGraphFile result;
  const vectors::VectorCodec& codec = space.codec();
  Fd file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) {
    result.problem = "is missing";
    return result;
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  FileHeader h{};
  if (file_size < sizeof h || !read_exact(file.fd, &h, sizeof h, 0)) {
    result.problem = "has a truncated header";
    return result;
  }
  if (std::string p = header_problem(h, codec, slot, file_size); !p.empty()) {
    result.problem = p;
    return result;
  }
  // The codec's learned parameters (i8's scale) are the file's: its vectors were encoded with them.
  space.restore_param_bits(h.codec_param);
  if (!codec.calibrated()) {
    result.problem = "has no valid quantization scale in its header";
    return result;
  }

  // 1. The fixed fields: they say how much to allocate, so they are checked first.
  const HnswBodyExpectation want{codec.stored_bytes(), m};
  char field_bytes[kHnswFieldsBytes] = {};
  if (h.body_size < kHnswFieldsBytes ||
      !read_exact(file.fd, field_bytes, kHnswFieldsBytes, sizeof h)) {
    result.problem = "body is not a graph hnswlib wrote (header fields truncated)";
    return result;
  }
  const HnswBodyFields f = parse_hnsw_fields(field_bytes);
  if (std::string p = check_hnsw_fields(f, h.body_size, want); !p.empty()) {
    result.problem = "body is not a graph hnswlib wrote (" + p + ")";
    return result;
  }

  // 2. The level-0 block: mapped where the build can (ann/hnsw_graph.h), otherwise read once
  //    straight into the memory the graph will use, in chunks that are checksummed, checked and
  //    indexed (Level0Consumer) while later ones are read; then the upper link lists (small:
  //    about one element in M has any) into a buffer.
  auto g = std::make_unique<HnswGraph>(&space);
  // The element layout first: the label table builder reads labels and delete marks through it.
  g->size_data_per_element_ = f.label_offset + sizeof(hnswlib::labeltype);
  g->label_offset_ = f.label_offset;
  g->offsetData_ = f.data_offset;
  g->offsetLevel0_ = f.offset_level0;
  uint64_t offset = sizeof h + kHnswFieldsBytes;
  const uint64_t level0_bytes = f.count * f.size_per_element;
  const bool mapped = kMemoryIsFileLayout && HnswGraph::can_map() &&
                      g->map_level0(file.fd, offset, level0_bytes, f.max_elements * f.size_per_element);
  if (!mapped) {
    g->data_level0_memory_ = allocate_level0(f.max_elements * g->size_data_per_element_);
    if (!g->data_level0_memory_) {
      result.problem = "does not fit in memory";
      return result;
    }
  }
  util::Crc32c crc;
  crc.update(field_bytes, sizeof field_bytes);
  // Declared after g: stops before g is destroyed.
  Level0Consumer level0(*g, f, &crc, /*overlap_reads=*/!mapped);
  std::vector<char> converted;  // a chunk as the file has it, where memory differs
  const uint64_t chunk_elements = std::max<uint64_t>(1, (8u << 20) / f.size_per_element);
  if (mapped) {
    level0.publish(f.count);
    offset += level0_bytes;
  }
  for (uint64_t first = 0; !mapped && first < f.count; first += chunk_elements) {
    const uint64_t n = std::min(chunk_elements, f.count - first);
    if (kMemoryIsFileLayout) {
      if (!read_exact(file.fd, g->data_level0_memory_ + first * f.size_per_element,
                      n * f.size_per_element, offset)) {
        result.problem = "could not be read";
        return result;
      }
      level0.publish(first + n);
    } else {
      converted.resize(n * f.size_per_element);
      if (!read_exact(file.fd, converted.data(), converted.size(), offset)) {
        result.problem = "could not be read";
        return result;
      }
      for (uint64_t i = 0; i < n; ++i) {
        const char* from = converted.data() + i * f.size_per_element;
        char* to = g->data_level0_memory_ + (first + i) * g->size_data_per_element_;
        std::memcpy(to, from, f.label_offset);
        uint64_t label;
        std::memcpy(&label, from + f.label_offset, sizeof label);
        const auto narrow = static_cast<hnswlib::labeltype>(label);
        if (static_cast<uint64_t>(narrow) != label) {
          result.problem = "holds a label this build cannot represent";
          return result;
        }
        std::memcpy(to + f.label_offset, &narrow, sizeof narrow);
      }
      level0.consume(converted.data(), first, first + n);
    }
    offset += n * f.size_per_element;
  }
  std::vector<char> upper(file_size - offset);
  const bool upper_read = read_exact(file.fd, upper.data(), upper.size(), offset);
  level0.finish();
  if (!upper_read) {
    result.problem = "could not be read";
    return result;
  }
  crc.update(upper.data(), upper.size());
  if (crc.value() != h.body_crc) {
    result.problem = "body checksum mismatch";
    return result;
  }
  std::string problem = level0.problem();

  // 3. The rest of the structure, on that memory.
  std::vector<uint8_t> levels;
  if (problem.empty()) problem = check_hnsw_upper(upper.data(), upper.size(), f, &levels);
  if (!problem.empty()) {
    result.problem = "body is not a graph hnswlib wrote (" + problem + ")";
    return result;
  }

  // 4. hnswlib's members, as its loadIndex sets them. cur_element_count stays 0 until every
  //    link list is in place, so that a failure here leaves a graph hnswlib can destroy.
  g->max_elements_ = f.max_elements;
  g->maxlevel_ = f.max_level;
  g->enterpoint_node_ = f.entry_point;
  g->maxM_ = f.max_m;
  g->maxM0_ = f.max_m0;
  g->M_ = f.m;
  // The level multiplier follows from M (hnswlib's own formula); the stored value is not trusted:
  // a crafted 1e36 made hnswlib's next getRandomLevel overflow an int (found by fuzz_graph_file).
  g->mult_ = 1.0 / std::log(1.0 * static_cast<double>(f.m));
  g->revSize_ = 1.0 / g->mult_;
  g->ef_construction_ = f.ef_construction;
  g->ef_ = 10;
  g->data_size_ = space.get_data_size();
  g->fstdistfunc_ = space.get_dist_func();
  g->dist_func_param_ = space.get_dist_func_param();
  g->size_links_per_element_ = f.max_m * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  g->size_links_level0_ = f.max_m0 * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  g->allow_replace_deleted_ = true;
  std::vector<std::mutex>(f.max_elements).swap(g->link_list_locks_);
  std::vector<std::mutex>(hnswlib::HierarchicalNSW<float>::MAX_LABEL_OPERATION_LOCKS).swap(g->label_op_locks_);
  g->visited_list_pool_ = std::make_unique<hnswlib::VisitedListPool>(1, f.max_elements);
  g->element_levels_.assign(f.max_elements, 0);
  g->linkLists_ = static_cast<char**>(std::calloc(std::max<uint64_t>(1, f.max_elements), sizeof(char*)));
  if (!g->linkLists_) {
    result.problem = "does not fit in memory";
    return result;
  }
  const uint64_t per_level = g->size_links_per_element_;
  uint64_t consumed = 0;
  for (uint64_t i = 0; i < f.count; ++i) {
    consumed += sizeof(uint32_t);
    if (levels[i] > 0) {
      const uint64_t size = levels[i] * per_level;
      g->linkLists_[i] = static_cast<char*>(std::malloc(size));
      if (!g->linkLists_[i]) {
        problem = "does not fit in memory";
      } else {
        std::memcpy(g->linkLists_[i], upper.data() + consumed, size);
        g->element_levels_[i] = levels[i];
      }
      consumed += size;
    }
  }
  g->cur_element_count = f.count;  // from here on, clear() frees the link lists
  const size_t deleted = level0.deleted();
  g->num_deleted_ = deleted;
  if (!problem.empty()) {
    result.problem = problem;
    return result;
  }
  if (f.count - deleted != h.live_count) {
    result.problem = "element count differs from the header";
    return result;
  }
  result.graph = std::move(g);
  result.seq = h.seq;
  return result;
}

}  // namespace quiver::ann
