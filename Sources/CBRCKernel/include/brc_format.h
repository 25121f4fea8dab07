/* brc_format.h: number formatting for the runtime's text outputs (not part of the kernel ABI). */
#ifndef BRC_FORMAT_H
#define BRC_FORMAT_H

#include <stddef.h>

/* Writes x as printf's "%.10e" (LEMS .dat values) into buf; returns the length (as snprintf). */
int brc_format_e10(char *buf, size_t size, double x);

#endif
