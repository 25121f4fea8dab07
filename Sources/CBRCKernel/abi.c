#include "brc_kernel.h"

/* The ABI version this runtime was built against. A C target needs a source file: this is it
 * (KernelLibrary compares a loaded library's version with BRC_KERNEL_ABI_VERSION itself). */
int32_t brc_runtime_abi_version(void) { return BRC_KERNEL_ABI_VERSION; }
