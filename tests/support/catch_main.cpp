#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// libsystemc refers to sc_main. The test runners have Catch's main instead and run
// each simulation in a child process (support/ForkSim.h), so this is never called.
extern "C" int sc_main(int, char**) { return 1; }
