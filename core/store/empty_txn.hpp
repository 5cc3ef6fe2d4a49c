// empty_txn.hpp - a read transaction over a store with nothing in it: no tickets, no mail, no
// state. For deciding a message when no store exists yet (`deskgate ingest --dry-run` before
// the first mail), so that looking creates nothing.
#pragma once

#include "core/store/store.hpp"

namespace deskgate {

const ReadTxn& empty_read_txn();

}  // namespace deskgate
