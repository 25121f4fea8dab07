/* libxml2 for brcc. Debian builds libxml2 with ICU, whose headers clash with the ICU copy
 * inside Foundation; brcc uses no encoding handlers, so the ICU parts are left out. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>

/* xmlFree is a global function pointer in libxml2; calling it from Swift 6 needs a wrapper. */
static inline void brc_xml_free(void *p) { xmlFree(p); }
