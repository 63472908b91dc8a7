// The control for wrong_way.cpp: the same build against the models layer, including a
// header of that layer, compiles.
#include "models/top/HwConfig.h"

int skv_layers_right_way() { return static_cast<int>(skv::config::HwConfig{}.clock_mhz); }
