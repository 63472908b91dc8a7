// Linked into every executable of the sanitizer build (SKV_SANITIZE), beside
// AsanNoReturn.cpp: puts AddressSanitizer's record of the main thread's stack back on the
// thread's own stack before LeakSanitizer's exit-time check reads it.
//
// SystemC 2.3.4 announces its coroutine switches to ASan (__sanitizer_start_switch_fiber
// in sc_cor_pkg_qt::yield, __sanitizer_finish_switch_fiber on the other side), except one:
// a SystemC thread whose function returns leaves its coroutine through
// sc_cor_pkg_qt::abort, which switches without a word. When that switch lands on the main
// coroutine (the simulation ends with a thread's return, as the decode sequencer's does),
// ASan goes on taking the ended coroutine's stack for the main thread's. SystemC then
// unmaps that stack, and at exit LeakSanitizer scans the main thread's stack from those
// bounds: it reads unmapped memory and dies ("Tracer caught signal 11 ... LeakSanitizer
// has encountered a fatal error"), or, where the range happens to be mapped again, scans
// memory that is no stack at all.
//
// An exit handler registered here runs before the leak check (ASan registers its check
// during its own start-up, before any constructor of the program, and exit handlers run
// in the reverse order of registration). On the main thread it announces one more switch,
// to the thread's own stack as the thread library records it, and completes it: ASan's
// record is then the stack the thread is on. The switch saves no fake stack (nullptr): the
// tests run with detect_stack_use_after_return=0 (scripts/test.sh), so there is none.

#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstdlib>

namespace {

void back_on_own_stack() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &bottom, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return;
  __sanitizer_start_switch_fiber(nullptr, bottom, size);
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
}

// Runs on the main thread, while the program's constructors run.
[[maybe_unused]] const int kRegistered = std::atexit(back_on_own_stack);

}  // namespace
