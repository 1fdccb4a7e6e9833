#ifndef LARPIX_CMALLOC_SHIM_H
#define LARPIX_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt, malloc_trim): not in Swift's Glibc module.
#include <malloc.h>
#endif
