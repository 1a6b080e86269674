//go:build !linux

package vpcd

import "net"

// quickAck is Linux-only; elsewhere delayed ACK is left as it is.
func quickAck(*net.TCPConn) {}
