// interleave's public header for a store that runs the built-in scenarios (lost-update,
// duplicate-offsets, torn-read, stale-read): implement interleave::store::Store (store/store.h)
// and give the suite or the catalog an opener, `store::OpenResult open(dir)`.
//
// The contract of the interface, as the scenarios' oracles read it:
//
// - put(key, value) appends and returns PutResult{ok, offset}. The offset must identify the
//   record: two puts of one execution never return the same offset (duplicate-offsets checks
//   that every put got its own). A store without offsets returns a counter it increments.
// - get(key) returns {ok, value} for the latest put, {not_found} for an absent or deleted key,
//   {corruption(offset, why)} for a record that does not read back.
// - del(key) appends a delete; increment(key, delta) is a read-modify-write of a decimal int64
//   (missing counts as 0) returning the new value.
// - Status::io_error(message, errno) for a failure of the machine: with ENOSPC, EDQUOT, EMFILE,
//   ENFILE, ENOMEM, EAGAIN, EIO, EROFS or EACCES interleave stops with an error of the environment
//   (exit 3) instead of calling it a bug of the store.
// - The opener opens (creating if missing) the store on a directory and rebuilds its state from
//   what is there (recovery): the oracles reopen the store after every execution and read it back.
#pragma once

#include "store/status.h"
#include "store/store.h"
