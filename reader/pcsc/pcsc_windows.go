package pcsc

import "github.com/ebfe/scard"

// serviceHint tells the operator how to start PC/SC on Windows. Windows 8
// and later stop the service when the last reader is unplugged; it starts
// again with the next reader.
const serviceHint = "start the Smart Card service (SCardSvr) or plug in a reader"

// pnpSupported: winscard reports reader hot-plug on \\?PnP?\Notification.
const pnpSupported = true

// ioctlGetFeatureRequest is CM_IOCTL_GET_FEATURE_REQUEST's function
// number, turned into a control code by scard.CtlCode.
const ioctlGetFeatureRequest = 3400

// cardPresent reads SCardStatus's state. winscard returns an enumeration
// (SCARD_ABSENT 1, SCARD_PRESENT 2 ... SCARD_SPECIFIC 6), not pcsc-lite's bit
// mask that ebfe/scard's constants spell.
func cardPresent(s scard.State) bool { return s >= 2 && s <= 6 }
