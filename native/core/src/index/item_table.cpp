#include "index/item_table.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace quiver::index {

uint32_t ItemTable::hash(std::string_view id) {
  return static_cast<uint32_t>(std::hash<std::string_view>{}(id));
}

size_t ItemTable::slot_of(std::string_view id, uint32_t h) const {
  const size_t mask = index_.size() - 1;
  size_t slot = h & mask;
  for (; index_[slot] != kNone; slot = (slot + 1) & mask) {
    const Entry& e = entries_[index_[slot]];
    if (e.hash == h && id_of(e) == id) break;
  }
  return slot;
}

void ItemTable::grow_index(size_t slots) {
  std::vector<uint32_t> old = std::move(index_);
  index_.assign(slots, kNone);
  const size_t mask = slots - 1;
  for (uint32_t entry : old) {
    if (entry == kNone) continue;
    size_t slot = entries_[entry].hash & mask;  // ids are distinct: the first empty slot is its
    while (index_[slot] != kNone) slot = (slot + 1) & mask;
    index_[slot] = entry;
  }
}

void ItemTable::index_insert(uint32_t entry) {
  // At most half full, so probes stay short and an empty slot always exists.
  if ((entries_.size() + 1) * 2 > index_.size()) grow_index(std::max<size_t>(16, index_.size() * 2));
  const Entry& e = entries_[entry];
  index_[slot_of(id_of(e), e.hash)] = entry;
}

// Linear probing without tombstones: after emptying a slot, later entries of the same probe run
// move back into it when their home slot allows (so every lookup still finds them).
void ItemTable::index_erase(std::string_view id) {
  const size_t mask = index_.size() - 1;
  size_t hole = slot_of(id, hash(id));
  if (index_[hole] == kNone) return;
  for (size_t next = (hole + 1) & mask; index_[next] != kNone; next = (next + 1) & mask) {
    const size_t home = entries_[index_[next]].hash & mask;
    // Movable unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    index_[hole] = index_[next];
    hole = next;
  }
  index_[hole] = kNone;
}

void ItemTable::put(uint64_t label, std::string_view id, std::string_view metadata_json, bool has_vector,
                    float norm) {
  finish_append();
  const uint64_t offset = arena_.size();
  arena_.insert(arena_.end(), id.begin(), id.end());
  arena_.insert(arena_.end(), metadata_json.begin(), metadata_json.end());
  const Entry fresh{label, offset, static_cast<uint32_t>(id.size()), has_vector ? 0u : 1u,
                    static_cast<uint32_t>(metadata_json.size()), hash(id), norm};
  vectorless_ += has_vector ? 0 : 1;
  const uint32_t existing = entry_of(label);
  if (existing != kNone) {
    Entry& e = entries_[existing];
    garbage_bytes_ += e.id_bytes + e.metadata_bytes;
    vectorless_ -= e.vectorless;
    const bool same_id = id_of(e) == id;
    if (!same_id) index_erase(id_of(e));
    e = fresh;
    if (!same_id) index_insert(existing);
  } else {
    label_end_ = std::max<uint64_t>(label_end_, label + 1);
    if (label >= entry_of_label_.size()) {
      entry_of_label_.resize(std::max<size_t>(label + 1, entry_of_label_.size() * 3 / 2), kNone);
    }
    entries_.push_back(fresh);
    const auto entry = static_cast<uint32_t>(entries_.size() - 1);
    entry_of_label_[label] = entry;
    index_insert(entry);
  }
  if (garbage_bytes_ > (1u << 20) && garbage_bytes_ * 2 > arena_.size()) compact_arena();
}

void ItemTable::append(uint64_t label, std::string_view id, std::string_view metadata_json,
                       bool has_vector, float norm) {
  if (unindexed_ != entries_.size() || (!entries_.empty() && label <= entries_.back().label)) {
    // Not an ascending scan into an empty table: the general path keeps every rule.
    finish_append();
    put(label, id, metadata_json, has_vector, norm);
    return;
  }
  const uint64_t offset = arena_.size();
  arena_.insert(arena_.end(), id.begin(), id.end());
  arena_.insert(arena_.end(), metadata_json.begin(), metadata_json.end());
  vectorless_ += has_vector ? 0 : 1;
  label_end_ = std::max<uint64_t>(label_end_, label + 1);
  if (label >= entry_of_label_.size()) {
    entry_of_label_.resize(std::max<size_t>(label + 1, entry_of_label_.size() * 3 / 2), kNone);
  }
  entries_.push_back(Entry{label, offset, static_cast<uint32_t>(id.size()), has_vector ? 0u : 1u,
                           static_cast<uint32_t>(metadata_json.size()), hash(id), norm});
  entry_of_label_[label] = static_cast<uint32_t>(entries_.size() - 1);
  ++unindexed_;
}

void ItemTable::append_all(const ItemTable& later) {
  arena_.reserve(arena_.size() + later.arena_.size());
  entries_.reserve(entries_.size() + later.entries_.size());
  for (const Entry& e : later.entries_) {
    append(e.label, later.id_of(e), {later.arena_.data() + e.offset + e.id_bytes, e.metadata_bytes},
           e.vectorless == 0, e.norm);
  }
}

void ItemTable::finish_append() {
  if (unindexed_ == 0) return;
  unindexed_ = 0;
  const size_t count = entries_.size();
  size_t slots = 16;
  while (slots < count * 2) slots *= 2;
  index_.assign(slots, kNone);
  // Each slot's hash beside it while building, so that a probe reads an entry (a cache miss into
  // entries_) only when the hashes match.
  std::vector<uint32_t> slot_hash(slots);
  const size_t mask = slots - 1;
  for (uint32_t entry = 0; entry < count; ++entry) {
    const Entry& e = entries_[entry];
    size_t slot = e.hash & mask;
    for (; index_[slot] != kNone; slot = (slot + 1) & mask) {
      if (slot_hash[slot] == e.hash && id_of(entries_[index_[slot]]) == id_of(e)) {
        // One id under two labels (a damaged store): put() them one by one, which lets the later
        // label replace the earlier one's id exactly as a scan through put() always did.
        std::vector<Entry> all = std::move(entries_);
        std::vector<char> bytes = std::move(arena_);
        clear();
        for (const Entry& x : all) {
          put(x.label, std::string_view(bytes.data() + x.offset, x.id_bytes),
              std::string_view(bytes.data() + x.offset + x.id_bytes, x.metadata_bytes), !x.vectorless, x.norm);
        }
        return;
      }
    }
    index_[slot] = entry;
    slot_hash[slot] = e.hash;
  }
}

void ItemTable::erase(uint64_t label) {
  finish_append();
  const uint32_t hole = entry_of(label);
  if (hole == kNone) return;
  const Entry gone = entries_[hole];
  index_erase(id_of(gone));
  garbage_bytes_ += gone.id_bytes + gone.metadata_bytes;
  vectorless_ -= gone.vectorless;
  entry_of_label_[label] = kNone;
  const auto last = static_cast<uint32_t>(entries_.size() - 1);
  if (hole != last) {
    // The last entry fills the hole: its label and its index slot must follow it.
    const Entry moved = entries_[last];
    index_[slot_of(id_of(moved), moved.hash)] = hole;
    entries_[hole] = moved;
    entry_of_label_[moved.label] = hole;
  }
  entries_.pop_back();
  if (entries_.empty()) {
    clear();
  } else if (garbage_bytes_ > (1u << 20) && garbage_bytes_ * 2 > arena_.size()) {
    compact_arena();
  }
}

void ItemTable::clear() {
  unindexed_ = 0;
  arena_.clear();
  arena_.shrink_to_fit();
  garbage_bytes_ = 0;
  vectorless_ = 0;
  entries_.clear();
  entries_.shrink_to_fit();
  entry_of_label_.clear();
  entry_of_label_.shrink_to_fit();
  index_.clear();
}

void ItemTable::compact_arena() {
  std::vector<char> packed;
  packed.reserve(arena_.size() - garbage_bytes_);
  for (Entry& e : entries_) {
    const uint64_t offset = packed.size();
    packed.insert(packed.end(), arena_.begin() + static_cast<ptrdiff_t>(e.offset),
                  arena_.begin() + static_cast<ptrdiff_t>(e.offset + e.id_bytes + e.metadata_bytes));
    e.offset = offset;
  }
  arena_ = std::move(packed);
  garbage_bytes_ = 0;
}

bool ItemTable::find(std::string_view id, uint64_t* label) const {
  if (index_.empty()) return false;
  const uint32_t entry = index_[slot_of(id, hash(id))];
  if (entry == kNone) return false;
  *label = entries_[entry].label;
  return true;
}

std::string_view ItemTable::id(uint64_t label) const { return id_of(entries_[entry_of(label)]); }

std::string_view ItemTable::metadata(uint64_t label) const {
  const Entry& e = entries_[entry_of(label)];
  return {arena_.data() + e.offset + e.id_bytes, e.metadata_bytes};
}

std::vector<uint64_t> ItemTable::labels() const {
  std::vector<uint64_t> out;
  out.reserve(entries_.size());
  for (uint64_t label = 0; label < entry_of_label_.size(); ++label) {
    if (entry_of_label_[label] != kNone) out.push_back(label);
  }
  return out;
}

size_t ItemTable::memory_bytes() const {
  return arena_.capacity() + entries_.capacity() * sizeof(Entry) +
         entry_of_label_.capacity() * sizeof(uint32_t) + index_.capacity() * sizeof(uint32_t);
}

}  // namespace quiver::index
