#ifndef LARPIX_CSYSTEMD_SHIM_H
#define LARPIX_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
