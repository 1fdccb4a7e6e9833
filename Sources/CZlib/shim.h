#ifndef LARPIX_CZLIB_SHIM_H
#define LARPIX_CZLIB_SHIM_H
#include <zlib.h>
#endif
