#include "brc_kernel.h"

/* The ABI version this runtime was built against (checked against each loaded library). */
int32_t brc_runtime_abi_version(void) { return BRC_KERNEL_ABI_VERSION; }
