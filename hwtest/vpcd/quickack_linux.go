package vpcd

import (
	"net"
	"syscall"
)

// quickAck sets TCP_QUICKACK, which Linux clears after each ACK: it has to
// be set again before every read.
func quickAck(c *net.TCPConn) {
	if c == nil {
		return
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
