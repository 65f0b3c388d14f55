// An item iterator (iterateItems in the bindings): every item, optionally filtered, in insertion
// (label) order, from one consistent snapshot. It reads through a connection of its own that
// keeps one SQLite read transaction open from the first batch to the last, so writes committed
// meanwhile (this process or another) neither appear nor make an item vanish or come twice:
// the iterator returns exactly the items committed when its first batch was read. Each batch is
// one indexed range read (label > last, LIMIT n); metadata is parsed only when filtering.
// While it is open, SQLite cannot checkpoint the WAL past its snapshot (the WAL grows with the
// writes made meanwhile): finish or break out of it (close frees it at once).
#pragma once

#include <memory>

#include "query/cursor.h"

namespace quiver::query {

// The iterator of a StreamRequest with item_order (its options checked by parse_stream_request).
std::shared_ptr<Cursor> open_item_cursor(const Index::Impl& impl, Filter filter);

}  // namespace quiver::query
