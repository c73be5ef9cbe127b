// Package xfer is libcurl's multi_socket interface in Go: one [Multi] drives thousands of
// HTTP and HTTPS transfers from the application's own event loop (epoll, kqueue, libevent,
// anything), with no goroutine per transfer.
//
// # The socket API
//
// The library names the sockets to watch through [MultiOptions.Socket] and its single next
// expiry through [MultiOptions.Timer]. The application calls [Multi.SocketAction] with an fd
// when its loop sees that fd ready, and with [SocketTimeout] when the timer fires; the
// library then runs only the transfers tied to that socket, or whose expiry passed, and
// reports finished transfers through [Multi.InfoRead]:
//
//	m, _ := xfer.NewMulti(xfer.MultiOptions{
//		Socket: func(fd int, what xfer.Poll, sockData any) error {
//			// add, change or (PollRemove) delete fd in the loop's watch set
//		},
//		Timer: func(d time.Duration) error {
//			// d < 0: no timer; else call SocketAction(SocketTimeout, 0) after d
//		},
//	})
//	m.Add(xfer.NewEasy("http://127.0.0.1:8080/"))
//	// in the loop: m.SocketAction(fd, xfer.EventIn) for each ready fd,
//	// m.SocketAction(xfer.SocketTimeout, 0) when the timer fires, then m.InfoRead().
//
// The socket callback is made only when what an fd must be watched for changes, and
// [PollRemove] comes before the library closes the fd. The timer callback is made only when
// the earliest expiry changes, and again after each SocketAction(SocketTimeout, 0). No
// callback may call back into the Multi except [Multi.Assign], [Easy.Pause] and
// [Multi.Wakeup]; the others return [ErrRecursiveAPICall].
//
// # Other ways to drive it
//
// Without callbacks, [Multi.Perform] does what can be done now and [Multi.Wait] or
// [Multi.Poll] sleep until a socket is ready or the next expiry comes; [Multi.Fdset] fills
// fd_sets for select(2). [Easy.Perform] runs one transfer to its end on a private Multi.
//
// # Transfers
//
// An [Easy] holds one request and what to do with the reply: [Easy.Write] receives the
// body, [Easy.HeaderLine] every header line, [Easy.Info] the status, headers and timings.
// Keep-alive connections are cached and reused; redirects, connection limits, speed limits,
// pausing, TLS (crypto/tls driven from the loop) and name resolution (the asynchronous stub
// resolver of package resolver, whose sockets reach the same callbacks) are built in. A
// failed transfer ends with an [*Error] whose [Code] is numbered as libcurl's CURLcode.
//
// The package's examples show an epoll loop (Multi.SocketAction), the Perform loop
// (Multi.Perform) and one blocking transfer (Easy.Perform); the repository's examples
// directory has complete programs, among them a parallel downloader.
package xfer
