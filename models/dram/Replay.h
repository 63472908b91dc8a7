#pragma once
// Replays a stream of requests through a DramEngine as fast as it accepts them: each
// request at its trace cycle, or later while the controller's front end is busy. The
// `swiftkv-sim dram` command and bench/dram_replay share this loop.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/dram/DramEngine.h"
#include "models/dram/RequestTrace.h"

namespace skv::dram {

// `next(TraceRequest&)` yields the requests (false at the end); `progress(requests)` is
// called every 65,536 requests. Completions are dropped as they come (the engine's
// statistics hold every figure), so memory stays flat. Returns the requests replayed,
// with the engine drained.
template <class Next, class Progress>
std::uint64_t replay_requests(DramEngine& engine, Next&& next, Progress&& progress) {
  TraceRequest r;
  std::uint64_t id = 0;
  std::vector<Completion> done;
  while (next(r)) {
    const std::uint64_t at = std::max({r.cycle, engine.now(), engine.accept_cycle()});
    engine.enqueue(Request{id++, r.addr, r.bytes, r.is_write}, at);
    if ((id & 1023) == 0) {
      done.clear();
      engine.take_completions(done);
      if ((id & 0xFFFF) == 0) progress(id);
    }
  }
  engine.drain();
  return id;
}

}  // namespace skv::dram
