package pcsc

// serviceHint tells the operator how to start PC/SC on Windows.
const serviceHint = "start the Smart Card service (SCardSvr)"
