// Initialises the crypto library once before any test runs.
#include <gtest/gtest.h>

#include "base/crypto.h"

namespace {
const bool kCryptoReady = [] { return holdfast::InitCrypto().ok(); }();
}  // namespace
