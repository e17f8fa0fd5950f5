// Every fold of the node: the one registry that the store, `verify`, `rebuild` and the server share.
#ifndef HOLDFAST_DOMAIN_REGISTRY_H_
#define HOLDFAST_DOMAIN_REGISTRY_H_

#include "store/registry.h"

namespace holdfast::domain {

// Built once, on first use; immutable afterwards and safe to share between threads.
const store::Registry& NodeRegistry();

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_REGISTRY_H_
