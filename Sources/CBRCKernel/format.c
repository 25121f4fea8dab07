#include <stdio.h>
#include "brc_format.h"

int brc_format_e10(char *buf, size_t size, double x) { return snprintf(buf, size, "%.10e", x); }
