package pcsc

// serviceHint tells the operator how to start PC/SC on Linux.
const serviceHint = "start pcscd (systemctl start pcscd.socket, or run pcscd)"
