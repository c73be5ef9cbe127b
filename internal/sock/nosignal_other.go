//go:build !linux

package sock

// msgNoSignal is 0 where send(2) has no MSG_NOSIGNAL; Go ignores SIGPIPE for sockets there.
const msgNoSignal = 0
