//go:build !linux

package vpcd

import "net"

// quickAck is Linux-only (TCP_QUICKACK); elsewhere delayed ACK stays as the
// system sets it. vpcd itself only runs on Linux and macOS.
func quickAck(*net.TCPConn) {}
