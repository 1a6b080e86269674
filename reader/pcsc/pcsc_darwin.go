package pcsc

// serviceHint tells the operator how to start PC/SC on macOS.
const serviceHint = "the CryptoTokenKit smart-card service is not available"
