#include "sim/Sampler.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <systemc>

#include "common/Error.h"
#include "models/top/Accelerator.h"
#include "sim/ChildProcess.h"
#include "sim/DesignChecks.h"

namespace skv::sim {

std::vector<std::uint64_t> SampleKey::row_kv_lens() const {
  return kv_lens.empty() ? std::vector<std::uint64_t>(rows, kv_len) : kv_lens;
}

std::string SampleKey::name() const {
  return fmt::format(
      "r{}-kv{}-l{}{}{}{}{}{}", rows,
      kv_lens.empty() ? fmt::to_string(kv_len) : fmt::format("{}", fmt::join(kv_lens, "-")), layers,
      until_attention ? "-attn" : "", head ? "-head" : "", every_layer ? "-all" : "",
      carried_in ? "-in" : "", carry_out ? "-out" : "");
}

Counters Sample::layer_sum(tlmx::OpClass cls, bool that_class) const {
  Counters c;
  for (const OpSpan& op : layer_ops) {
    if ((op.cls == cls) == that_class) c += op.delta;
  }
  return c;
}

Counters Sample::head_sum() const {
  Counters c;
  for (const OpSpan& op : head_ops) c += op.delta;
  return c;
}

Counters Sample::whole_layer(std::uint32_t layer) const {
  const std::vector<OpSpan>& ops =
      layer + 1 == key.layers ? layer_ops : earlier_layer_ops.at(layer);
  Counters c;
  for (const OpSpan& op : ops) c += op.delta;
  return c;
}

namespace {

// The sample's one batch.
// The sample's batch (batch 0), after its lead-in if key.carried_in (the same rows as
// batch 0, then the batch as batch 1).
class OneBatch : public trace::BatchSource {
 public:
  explicit OneBatch(const SampleKey& key)
      : path_("sample " + key.name()), batches_(key.carried_in ? 2 : 1) {
    for (std::uint32_t i = 0; i < key.rows; ++i) {
      rows_.push_back(trace::DecodeStep{0, i, 0, key.row_kv_len(i), i + 1});
    }
  }
  bool next_batch(std::vector<trace::DecodeStep>& out) override {
    if (given_ == batches_) return false;
    out = rows_;
    for (trace::DecodeStep& r : out) r.batch = given_;
    ++given_;
    return true;
  }
  const std::string& path() const override { return path_; }
  // The measured batch's id.
  std::uint64_t measured() const { return batches_ - 1; }

 private:
  std::string path_;
  std::vector<trace::DecodeStep> rows_;
  std::uint64_t batches_;
  std::uint64_t given_ = 0;
};

}  // namespace

namespace {

// Called once in a sample's simulation, at the end of layer 0's RoPE (before its
// operation is booked): returns in each process that is to measure a sample from
// there, with `key` set to that sample's. Empty: the simulation goes on as it is.
using ForkPoint = std::function<void(SampleKey& key)>;

Sample simulate(const config::HwConfig& hw, const config::ModelConfig& model,
                tlmx::AttentionAlgo algo, SampleKey key, const ForkPoint& fork_point) {
  if (!key.kv_lens.empty() && key.kv_lens.size() != key.rows) {
    throw std::logic_error(fmt::format("sample {}: {} KV lengths for {} rows", key.name(),
                                       key.kv_lens.size(), key.rows));
  }
  if (key.rows == 0 || key.layers == 0 || key.layers > model.layers) {
    throw std::logic_error(fmt::format("sample {}: needs 1 to {} layers and at least one row",
                                       key.name(), model.layers));
  }
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  check_design(hw, model, algo);
  const AddressMap amap(model, hw);
  OneBatch source(key);
  const tlmx::ClockDomain clock(hw.clock_mhz);

  Sample s;
  Counters previous;
  Accelerator* accel = nullptr;
  Accelerator top("accelerator", hw, model, amap, source, clock, algo,
                  [](const BatchResult&) {});
  accel = &top;
  top.sequencer.set_window(key.layers, key.head, key.until_attention);
  top.sequencer.set_sample_carry(key.carried_in, key.carry_out);
  bool forked = false;
  std::vector<std::pair<std::uint32_t, OpSpan>> spans;  // every operation's, with its layer
  top.sequencer.set_op_sink([&](const OpRecord& op) {
    if (op.batch != source.measured()) {  // the lead-in: its end is where the batch starts
      previous = snapshot(*accel, top.sequencer.booked_class_cycles(), op.end_cycle);
      return;
    }
    if (fork_point && !forked && op.layer == 0 && std::strcmp(op.name, "rope") == 0) {
      forked = true;
      fork_point(key);
      top.sequencer.set_window(key.layers, key.head, key.until_attention);
      top.sequencer.set_kv_lens(key.row_kv_lens());
    }
    // The classes' cycles as a run books them (a slice beside the attention: only the
    // wait for it, booked before the operation after it).
    const Counters now = snapshot(*accel, top.sequencer.booked_class_cycles(), op.end_cycle);
    spans.emplace_back(op.layer, OpSpan{op.name, op.cls, now - previous});
    previous = now;
  });
  sc_core::sc_start();
  top.check_finished(key.carry_out && hw.overlap.weights_cross());
  if (fork_point && !forked)
    throw std::logic_error("sample " + key.name() + ": no RoPE in layer 0");
  // Which operations are measured is known once the key is (after the fork point).
  if (key.every_layer) s.earlier_layer_ops.resize(key.layers - 1);
  for (auto& [layer, span] : spans) {
    if (layer >= model.layers) {
      s.head_ops.push_back(std::move(span));
    } else if (layer + 1 == key.layers) {
      s.layer_ops.push_back(std::move(span));
    } else if (key.every_layer) {
      s.earlier_layer_ops[layer].push_back(std::move(span));
    }
  }
  s.key = key;
  s.simulated_cycles = clock.now_cycle();
  return s;
}

}  // namespace

Sample measure_sample(const config::HwConfig& hw, const config::ModelConfig& model,
                      tlmx::AttentionAlgo algo, const SampleKey& key) {
  return simulate(hw, model, algo, key, ForkPoint());
}

Sample measure_sample_in_child(const config::HwConfig& hw, const config::ModelConfig& model,
                               tlmx::AttentionAlgo algo, const SampleKey& key) {
  const ChildOutcome r = run_in_child([&]() -> std::pair<int, std::string> {
    try {
      return {0, to_json(measure_sample(hw, model, algo, key)).dump()};
    } catch (const SimulationError& e) {
      return {4, e.what()};
    }
  });
  const std::string where = fmt::format("fast mode: sample {}", key.name());
  if (r.signal != 0) {
    throw std::runtime_error(fmt::format("{}: its process ended by signal {}", where, r.signal));
  }
  if (r.exit_code == 4) throw SimulationError(where + ": " + r.text);
  if (r.exit_code != 0) throw std::runtime_error(where + ": " + r.text);
  return sample_from_json(nlohmann::json::parse(r.text));
}

namespace {

// What a sample's process writes to its pipe: a status line, then the sample's JSON or
// the error's text.
constexpr const char* kOk = "ok\n";
constexpr const char* kSimulationError = "simulation\n";
constexpr const char* kError = "error\n";

void write_all(int fd, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
}

// One process's share of measure_samples: samples of one batch shape (`rows`), each
// with a pipe to the parent, and a pipe of its own for errors before the fork point.
struct Task {
  std::vector<std::size_t> keys;  // indexes into measure_samples' keys
  std::vector<int> key_fds;       // read ends, in the parent (-1 once at end of file)
  int own_fd = -1;
  std::vector<std::string> key_text;
  std::string own_text;
  pid_t pid = -1;
  unsigned weight = 1;  // processes it may have simulating at once
};

// In the task's process; never returns. One sample: simulates it. Several: simulates
// their common start, then forks a child per sample at the fork point, at most `jobs`
// at a time.
[[noreturn]] void serve(const config::HwConfig& hw, const config::ModelConfig& model,
                        tlmx::AttentionAlgo algo, const std::vector<SampleKey>& keys,
                        std::vector<int> key_wfds, int own_wfd, unsigned jobs) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  int out = keys.size() == 1 ? key_wfds[0] : own_wfd;  // where this process reports
  ForkPoint fork_point;
  if (keys.size() > 1) {
    fork_point = [&](SampleKey& key) {
      std::vector<pid_t> running;
      std::string lost;  // children that ended by a signal
      auto reap_one = [&]() {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid <= 0) return;
        const auto it = std::find(running.begin(), running.end(), pid);
        if (it == running.end()) return;
        if (WIFSIGNALED(status)) {
          lost += fmt::format("sample {}: its process ended by signal {}\n",
                              keys[static_cast<std::size_t>(it - running.begin())].name(),
                              WTERMSIG(status));
        }
        *it = 0;
      };
      auto busy = [&]() {
        return static_cast<unsigned>(
            std::count_if(running.begin(), running.end(), [](pid_t p) { return p != 0; }));
      };
      for (std::size_t i = 0; i < keys.size(); ++i) {
        while (busy() >= jobs) reap_one();
        const pid_t pid = fork();
        if (pid == 0) {
          for (std::size_t j = 0; j < key_wfds.size(); ++j) {
            if (j != i && key_wfds[j] >= 0) close(key_wfds[j]);
          }
          close(own_wfd);
          out = key_wfds[i];
          key = keys[i];
          return;  // this child measures keys[i]
        }
        if (pid < 0) {
          write_all(own_wfd, std::string(kError) + "cannot fork a sample's process");
          _exit(1);
        }
        close(key_wfds[i]);
        key_wfds[i] = -1;
        running.push_back(pid);
      }
      while (busy() > 0) reap_one();
      if (!lost.empty()) write_all(own_wfd, std::string(kError) + lost);
      close(own_wfd);
      _exit(0);
    };
  }
  std::string text;
  int code = 0;
  try {
    text = kOk + to_json(simulate(hw, model, algo, keys[0], fork_point)).dump();
  } catch (const SimulationError& e) {
    text = kSimulationError + std::string(e.what());
    code = 4;
  } catch (const std::exception& e) {
    text = kError + std::string(e.what());
    code = 3;
  }
  write_all(out, text);
  close(out);
  _exit(code);
}

// Reads every pipe of the running tasks until each is at its end, then reaps them.
void drain(std::vector<Task*>& running) {
  std::vector<pollfd> fds;
  std::vector<std::string*> texts;
  for (;;) {
    fds.clear();
    texts.clear();
    for (Task* t : running) {
      for (std::size_t i = 0; i < t->key_fds.size(); ++i) {
        if (t->key_fds[i] >= 0) {
          fds.push_back(pollfd{t->key_fds[i], POLLIN, 0});
          texts.push_back(&t->key_text[i]);
        }
      }
      if (t->own_fd >= 0) {
        fds.push_back(pollfd{t->own_fd, POLLIN, 0});
        texts.push_back(&t->own_text);
      }
    }
    if (fds.empty()) break;
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("fast mode: cannot wait for the samples' processes");
    }
    char buf[65536];
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        texts[i]->append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      close(fds[i].fd);
      for (Task* t : running) {
        for (int& fd : t->key_fds) {
          if (fd == fds[i].fd) fd = -1;
        }
        if (t->own_fd == fds[i].fd) t->own_fd = -1;
      }
    }
  }
  for (Task* t : running) {
    int status = 0;
    waitpid(t->pid, &status, 0);
    if (WIFSIGNALED(status)) {
      t->own_text += fmt::format("{}its process ended by signal {}\n",
                                 t->own_text.empty() ? kError : "", WTERMSIG(status));
    }
  }
  running.clear();
}

Sample sample_from_text(const SampleKey& key, const std::string& text, const std::string& own) {
  const std::string where = fmt::format("fast mode: sample {}", key.name());
  auto body = [](const std::string& t, const char* status) {
    return t.substr(std::strlen(status));
  };
  if (text.rfind(kOk, 0) == 0) return sample_from_json(nlohmann::json::parse(body(text, kOk)));
  if (text.rfind(kSimulationError, 0) == 0) {
    throw SimulationError(where + ": " + body(text, kSimulationError));
  }
  if (text.rfind(kError, 0) == 0) throw std::runtime_error(where + ": " + body(text, kError));
  // No result: the shared start failed, or the process was lost.
  if (own.rfind(kSimulationError, 0) == 0) {
    throw SimulationError(where + ": " + body(own, kSimulationError));
  }
  if (own.rfind(kError, 0) == 0) throw std::runtime_error(where + ": " + body(own, kError));
  throw std::runtime_error(where + ": its process ended without a result");
}

}  // namespace

std::vector<Sample> measure_samples(const config::HwConfig& hw, const config::ModelConfig& model,
                                    tlmx::AttentionAlgo algo, const std::vector<SampleKey>& keys,
                                    unsigned jobs) {
  jobs = std::max(1u, jobs);
  // A pipe per sample: at most this many samples to one process, well below the limit
  // on open files.
  // Under prefetch (and so under next_batch, whose samples differ from the first cycle:
  // set_sample_carry) each sample is simulated from its first cycle, none shares a start.
  const std::size_t kMaxPerTask = hw.overlap.any() ? 1 : 64;
  std::map<std::uint32_t, std::vector<std::size_t>> shapes;
  for (std::size_t i = 0; i < keys.size(); ++i) shapes[keys[i].rows].push_back(i);
  std::vector<Task> tasks;
  for (const auto& [rows, ids] : shapes) {
    for (std::size_t at = 0; at < ids.size(); at += kMaxPerTask) {
      Task t;
      t.keys.assign(
          ids.begin() + static_cast<std::ptrdiff_t>(at),
          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + kMaxPerTask)));
      t.weight = static_cast<unsigned>(std::min<std::size_t>(jobs, t.keys.size()));
      tasks.push_back(std::move(t));
    }
  }
  std::fflush(stdout);
  std::fflush(stderr);
  std::vector<Task*> running;
  unsigned used = 0;
  for (Task& t : tasks) {
    if (used + t.weight > jobs && !running.empty()) {
      drain(running);
      used = 0;
    }
    std::vector<SampleKey> task_keys;
    std::vector<int> wfds;
    auto open_pipe = [&wfds](int& read_end) {
      int fds[2];
      if (pipe(fds) != 0) throw std::runtime_error("fast mode: cannot create a pipe for a sample");
      read_end = fds[0];
      wfds.push_back(fds[1]);
    };
    for (std::size_t k : t.keys) {
      task_keys.push_back(keys[k]);
      t.key_fds.emplace_back();
      open_pipe(t.key_fds.back());
    }
    t.key_text.resize(t.keys.size());
    open_pipe(t.own_fd);
    const int own_wfd = wfds.back();
    wfds.pop_back();
    t.pid = fork();
    if (t.pid < 0) throw std::runtime_error("fast mode: cannot fork a sample's process");
    if (t.pid == 0) {
      for (const Task* r : running) {
        for (int fd : r->key_fds) {
          if (fd >= 0) close(fd);
        }
        if (r->own_fd >= 0) close(r->own_fd);
      }
      for (int fd : t.key_fds) close(fd);
      close(t.own_fd);
      serve(hw, model, algo, task_keys, wfds, own_wfd, jobs);
    }
    for (int fd : wfds) close(fd);
    close(own_wfd);
    running.push_back(&t);
    used += t.weight;
  }
  drain(running);
  std::vector<Sample> out;
  std::vector<const std::string*> text(keys.size());
  std::vector<const std::string*> own(keys.size());
  for (const Task& t : tasks) {
    for (std::size_t i = 0; i < t.keys.size(); ++i) {
      text[t.keys[i]] = &t.key_text[i];
      own[t.keys[i]] = &t.own_text;
    }
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    out.push_back(sample_from_text(keys[k], *text[k], *own[k]));
  }
  return out;
}

namespace {

nlohmann::json spans_json(const std::vector<OpSpan>& ops) {
  nlohmann::json a = nlohmann::json::array();
  for (const OpSpan& op : ops) {
    a.push_back({{"name", op.name},
                 {"class", tlmx::op_class_name(op.cls)},
                 {"counters", to_json(op.delta)}});
  }
  return a;
}

std::vector<OpSpan> spans_from_json(const nlohmann::json& a) {
  if (!a.is_array()) throw std::runtime_error("operations are not a list");
  std::vector<OpSpan> ops;
  for (const auto& e : a) {
    OpSpan op;
    op.name = e.at("name").get<std::string>();
    const std::string cls = e.at("class").get<std::string>();
    bool known = false;
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      if (cls == tlmx::op_class_name(static_cast<tlmx::OpClass>(i))) {
        op.cls = static_cast<tlmx::OpClass>(i);
        known = true;
      }
    }
    if (!known) throw std::runtime_error("unknown operation class " + cls);
    op.delta = counters_from_json(e.at("counters"));
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

nlohmann::json to_json(const Sample& s) {
  return {{"rows", s.key.rows},
          {"kv_len", s.key.kv_len},
          {"kv_lens", s.key.kv_lens},
          {"layers", s.key.layers},
          {"head", s.key.head},
          {"until_attention", s.key.until_attention},
          {"simulated_cycles", s.simulated_cycles},
          {"every_layer", s.key.every_layer},
          {"carried_in", s.key.carried_in},
          {"carry_out", s.key.carry_out},
          {"layer_ops", spans_json(s.layer_ops)},
          {"head_ops", spans_json(s.head_ops)},
          {"earlier_layer_ops", [&s] {
             nlohmann::json a = nlohmann::json::array();
             for (const auto& ops : s.earlier_layer_ops) a.push_back(spans_json(ops));
             return a;
           }()}};
}

Sample sample_from_json(const nlohmann::json& j) {
  try {
    Sample s;
    s.key.rows = j.at("rows").get<std::uint32_t>();
    s.key.kv_len = j.at("kv_len").get<std::uint64_t>();
    s.key.kv_lens = j.at("kv_lens").get<std::vector<std::uint64_t>>();
    if (!s.key.kv_lens.empty() && s.key.kv_lens.size() != s.key.rows) {
      throw std::runtime_error("not a sample: the wrong number of KV lengths");
    }
    s.key.layers = j.at("layers").get<std::uint32_t>();
    s.key.head = j.at("head").get<bool>();
    s.key.until_attention = j.at("until_attention").get<bool>();
    s.simulated_cycles = j.at("simulated_cycles").get<std::uint64_t>();
    s.layer_ops = spans_from_json(j.at("layer_ops"));
    s.head_ops = spans_from_json(j.at("head_ops"));
    s.key.every_layer = j.at("every_layer").get<bool>();
    s.key.carried_in = j.at("carried_in").get<bool>();
    s.key.carry_out = j.at("carry_out").get<bool>();
    for (const auto& ops : j.at("earlier_layer_ops")) {
      s.earlier_layer_ops.push_back(spans_from_json(ops));
    }
    if (s.key.every_layer && s.earlier_layer_ops.size() + 1 != s.key.layers) {
      throw std::runtime_error("not a sample: the wrong number of earlier layers");
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not a sample: ") + e.what());
  }
}

}  // namespace skv::sim
