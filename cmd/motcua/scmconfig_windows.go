//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// These talk to the SCM directly where mgr bundles optional settings with
// required ones: mgr.Service.Config and UpdateConfig fail as a whole when
// the SCM does not know the delayed-start level (Wine 8's does not), and
// motcua must still register and report the service there.

// errUnsupported marks an SCM setting this Windows does not implement.
var errUnsupported = errors.New("not supported by this service control manager")

// unsupported maps ERROR_INVALID_LEVEL (an unknown ChangeServiceConfig2 /
// QueryServiceConfig2 level) to errUnsupported.
func unsupported(err error) error {
	if errors.Is(err, windows.ERROR_INVALID_LEVEL) || errors.Is(err, windows.ERROR_CALL_NOT_IMPLEMENTED) {
		return fmt.Errorf("%w (%v)", errUnsupported, err)
	}
	return err
}

// warnUnsupported prints what could not be set and returns nil when the
// SCM lacks the setting; any other error is returned.
func warnUnsupported(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errUnsupported) {
		fmt.Fprintf(os.Stderr, "motcua: warning: %s: %v\n", what, err)
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// setDelayedStart sets or clears delayed automatic start.
func setDelayedStart(h windows.Handle, on bool) error {
	info := windows.SERVICE_DELAYED_AUTO_START_INFO{}
	if on {
		info.IsDelayedAutoStartUp = 1
	}
	return unsupported(windows.ChangeServiceConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (*byte)(unsafe.Pointer(&info))))
}

// delayedStart reports whether delayed automatic start is set.
func delayedStart(h windows.Handle) (bool, error) {
	b, err := queryConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO)
	if err != nil {
		return false, unsupported(err)
	}
	return (*windows.SERVICE_DELAYED_AUTO_START_INFO)(unsafe.Pointer(&b[0])).IsDelayedAutoStartUp != 0, nil
}

// setDescription sets the description shown in services.msc.
func setDescription(h windows.Handle, desc string) error {
	p, err := windows.UTF16PtrFromString(desc)
	if err != nil {
		return err
	}
	d := windows.SERVICE_DESCRIPTION{Description: p}
	return unsupported(windows.ChangeServiceConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION, (*byte)(unsafe.Pointer(&d))))
}

// scmConfig is the part of a service's configuration every SCM reports.
type scmConfig struct {
	StartType      uint32
	BinaryPathName string
	StartName      string
	DisplayName    string
}

// queryConfig reads the service's basic configuration.
func queryConfig(h windows.Handle) (scmConfig, error) {
	n := uint32(1024)
	for {
		b := make([]byte, n)
		p := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&b[0]))
		err := windows.QueryServiceConfig(h, p, n, &n)
		if err == nil {
			return scmConfig{StartType: p.StartType, BinaryPathName: windows.UTF16PtrToString(p.BinaryPathName),
				StartName: windows.UTF16PtrToString(p.ServiceStartName), DisplayName: windows.UTF16PtrToString(p.DisplayName)}, nil
		}
		if !errors.Is(err, syscall.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
			return scmConfig{}, err
		}
	}
}

// changeConfig sets the command line, start type, account and display name
// of an existing service (one the MSI created, or an older motcua's).
func changeConfig(h windows.Handle, binPath, startName, display string, startType uint32) error {
	bp, err := windows.UTF16PtrFromString(binPath)
	if err != nil {
		return err
	}
	sn, err := windows.UTF16PtrFromString(startName)
	if err != nil {
		return err
	}
	dn, err := windows.UTF16PtrFromString(display)
	if err != nil {
		return err
	}
	return windows.ChangeServiceConfig(h, windows.SERVICE_NO_CHANGE, startType, windows.SERVICE_ERROR_NORMAL,
		bp, nil, nil, nil, sn, nil, dn)
}

// queryConfig2 reads one QueryServiceConfig2 level.
func queryConfig2(h windows.Handle, level uint32) ([]byte, error) {
	n := uint32(1024)
	for {
		b := make([]byte, n)
		err := windows.QueryServiceConfig2(h, level, &b[0], n, &n)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, syscall.ERROR_INSUFFICIENT_BUFFER) || n <= uint32(len(b)) {
			return nil, err
		}
	}
}
