#ifndef LARPIX_CCHECKSUMS_SHIM_H
#define LARPIX_CCHECKSUMS_SHIM_H
#include <zlib.h>
#include <openssl/evp.h>
#endif
