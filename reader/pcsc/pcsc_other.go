//go:build !linux && !windows && !darwin

package pcsc

import "github.com/ebfe/scard"

// serviceHint tells the operator how to start PC/SC on the BSDs, which use
// pcsc-lite as Linux does.
const serviceHint = "start pcscd"

// pnpSupported: pcsc-lite reports reader hot-plug on \\?PnP?\Notification.
const pnpSupported = true

// ioctlGetFeatureRequest is CM_IOCTL_GET_FEATURE_REQUEST's function
// number, turned into a control code by scard.CtlCode.
const ioctlGetFeatureRequest = 3400

// cardPresent reads SCardStatus's state: on pcsc-lite a bit mask.
func cardPresent(s scard.State) bool { return s&scard.Present != 0 }
