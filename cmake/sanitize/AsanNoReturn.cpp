// Linked into every executable of the sanitizer build (SKV_SANITIZE): AddressSanitizer's
// no-return handler, replaced by one that knows the thread's own stack.
//
// Before a throw (or another call that does not return) ASan unpoisons the stack from the
// current frame to the top of the thread's stack, since the frames the throw skips will
// not clear their redzones. It takes that top from the thread's stack bounds. SystemC runs
// its threads as coroutines on stacks of their own (QuickThreads), and ASan's record of
// which stack a thread is on does not follow every switch (a thread's return is never
// announced: AsanMainStack.cpp); once the kernel has switched, ASan's idea of the main
// thread's top can be a coroutine stack's, the range from the current frame to it is
// nonsense, and ASan skips the unpoisoning ("ignoring requested __asan_handle_no_return",
// google/sanitizers#189), and every later one too. The redzones of the skipped frames then stay
// poisoned, and the next frames that use that memory from code ASan does not instrument (libstdc++,
// fmt, SystemC) are reported as a stack-buffer-overflow that is none.
//
// This handler reads the bounds of the thread's own stack from the thread library once per
// thread and unpoisons from just below the current frame to its top, as ASan does, when
// the current frame lies on that stack. On a SystemC coroutine's stack, whose bounds
// nobody records, it does nothing, which is what ASan does there. With
// detect_stack_use_after_return=0 (scripts/test.sh sets it) there is no fake stack to
// clear, the other half of ASan's handler.

#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <unistd.h>

#include <cstdint>

namespace {

struct StackBounds {
  std::uintptr_t bottom = 0;
  std::uintptr_t top = 0;
};

StackBounds own_stack() {
  StackBounds b;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return b;
  void* addr = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    b.bottom = reinterpret_cast<std::uintptr_t>(addr);
    b.top = b.bottom + size;
  }
  pthread_attr_destroy(&attr);
  return b;
}

}  // namespace

extern "C" __attribute__((no_sanitize_address)) void __asan_handle_no_return() {
  thread_local const StackBounds stack = own_stack();
  char here = 0;
  const auto sp = reinterpret_cast<std::uintptr_t>(&here);
  if (sp < stack.bottom || sp >= stack.top) return;  // a coroutine's stack
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  std::uintptr_t from = (sp - page) & ~(page - 1);
  if (from < stack.bottom) from = stack.bottom;
  __asan_unpoison_memory_region(reinterpret_cast<void*>(from), stack.top - from);
}
