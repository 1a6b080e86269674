package vpcd

import (
	"net"
	"syscall"
)

// quickAck sets TCP_QUICKACK on the socket. Linux leaves quick-ACK mode
// again on its own, so it is set before every read.
func quickAck(c *net.TCPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		// Best effort: a failure only costs latency, never data.
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
