package pcsc

import "github.com/ebfe/scard"

// serviceHint tells the operator how to start PC/SC on macOS.
const serviceHint = "the CryptoTokenKit smart-card service is not available"

// pnpSupported: macOS's PC/SC shim has no \\?PnP?\Notification; the
// reader list is polled instead.
const pnpSupported = false

// ioctlGetFeatureRequest is CM_IOCTL_GET_FEATURE_REQUEST's function
// number, turned into a control code by scard.CtlCode.
const ioctlGetFeatureRequest = 3400

// cardPresent reads SCardStatus's state: on macOS, as on pcsc-lite, a bit
// mask.
func cardPresent(s scard.State) bool { return s&scard.Present != 0 }
