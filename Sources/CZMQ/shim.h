#ifndef LARPIX_CZMQ_SHIM_H
#define LARPIX_CZMQ_SHIM_H
#include <zmq.h>
#include <errno.h>
// errno is a macro Swift may not see through zmq's lens; zmq_errno() is the portable read.
static inline int lrp_zmq_EAGAIN(void) { return EAGAIN; }
static inline int lrp_zmq_EINTR(void) { return EINTR; }
static inline int lrp_zmq_ETERM(void) { return ETERM; }
// What libzmq reports for an operation on a closed socket, so the wrapper can say the same.
static inline int lrp_zmq_ENOTSOCK(void) { return ENOTSOCK; }
// An option value that does not fit libzmq's int.
static inline int lrp_zmq_EINVAL(void) { return EINVAL; }
#endif
