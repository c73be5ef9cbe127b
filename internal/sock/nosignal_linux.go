package sock

import "golang.org/x/sys/unix"

const msgNoSignal = unix.MSG_NOSIGNAL
