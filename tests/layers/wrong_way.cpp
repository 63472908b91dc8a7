// Compiled against the models layer alone: a hardware model may not include the config
// loader (a higher layer). The build of this file must fail (tests/CMakeLists.txt,
// "layers: a wrong-way include fails to compile").
#include "config/HwConfigLoader.h"

int skv_layers_wrong_way() { return 0; }
